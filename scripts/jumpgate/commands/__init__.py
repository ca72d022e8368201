"""One module per `jumpgate` command, each with HELP, add_arguments() and run()."""
