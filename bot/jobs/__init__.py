"""Running jobs: the worker-process pool beside the bot, and the Redis queue (registry, the
bot's runner, the `tunesmith worker` loop) for scale-out."""
