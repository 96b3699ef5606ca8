"""The Discord side: the client and its startup (app), slash commands, the controls under each
piece, messages, and the flow that runs an admitted job to its one visible answer.

The handlers reach the client through `host.Host`, never by importing `app`."""
