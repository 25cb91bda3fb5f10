"""The command line's help texts, shared by `slate --help` (desktop/app.py) and the subcommands
(desktop/cli.py). No imports: `slate --help` and `slate --version` stay as fast as a bare Python start."""

COMMANDS_HELP = """\
commands (windowless, for scripts; `slate <command> --help` for the options of each):
  export     write one of Zou's CSV exports to a file (shots, assets, casting, playlist, tasks...)
  import     import shots, assets, casting or edits from a CSV file into a project
  download   download previews of the shots a filter query selects, the attachments of a task,
             working files (progress bar on a terminal, --quiet for scripts)
"""

EXIT_HELP = """\
Exit codes (one line on stderr explains any non-zero one):
    0 done; 1 server or unexpected failure; 2 wrong arguments; 3 not signed in / sign-in refused;
    4 project or playlist not found; 5 permission denied; 6 network, TLS or timeout;
    7 file problem (cannot write the output, unreadable or malformed CSV);
    8 import refused or stopped at a row (the report says which rows were imported);
    9 some downloads failed (the others are complete; a failed one leaves only its .part, resumable).
"""
