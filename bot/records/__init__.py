"""Records and admission: the jobs and pieces in the database, the leases that say which bot
process answers a job, and the queue caps and cooldowns."""
