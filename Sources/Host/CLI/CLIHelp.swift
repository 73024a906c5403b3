/// `codebeaker run|repl|exec|session --help`, in the style of the server's `--help` (Resources/usage.txt).
enum CLIHelp {
    static let connection = """
        CONNECTION (default: an embedded host with the drivers beside this binary, private workspaces
        in a temporary directory removed at exit)
          --server URL         a running server instead, ws://HOST:PORT[/ws/jsonrpc] (wss:// is not supported)
          --token TOKEN        API token for --server (env CODEBEAKER_TOKEN)
          --workspace-root DIR embedded host: keep workspaces in DIR (must not be a running server's root)
          --drivers-dir DIR    embedded host: also look for drivers in DIR; repeatable
          --no-default-drivers embedded host: search only --drivers-dir
          --config FILE        embedded host: JSON config file (docs/configuration.md)
          --log-level LEVEL    embedded host's log level on stderr (default warning)
        """

    static let run = """
        codebeaker run: run a program once and exit with its exit code

        USAGE
          codebeaker run [options] FILE        the language from FILE's extension (.py, .js, .ts, …)
          codebeaker run -l LANGUAGE [options] -
                                               the code from standard input

        OPTIONS
          -l, --language LANG  python, javascript, typescript, go, … (see the server's language.list)
          --timeout SECONDS    stop the program after this long (exit 124; default: the server's, 30)
          --memory MB          memory limit of the sandbox (default 512)
          --network            allow outbound network (the server must allow it)
          -h, --help           show this help

        Output streams live to stdout and stderr. With FILE, standard input (when it is not a terminal)
        is read to its end and given to the program. Exit codes: the program's; 124 timed out;
        130 cancelled (Ctrl-C: the first cancels the program, a second exits at once); 128+N killed by
        signal N; 1 connection or server error; 2 usage error.

        """ + connection

    static let repl = """
        codebeaker repl: an interactive session (state is kept between cells)

        USAGE
          codebeaker repl -l LANGUAGE [options]

        Each line is a cell. A line ending in ':', '{', '(', '[' or '\\' starts a block that ends at a blank
        line. Ctrl-C cancels the running cell; Ctrl-D (end of input) closes the session and exits.
        Works with piped input too (no prompts then).

        OPTIONS
          -l, --language LANG  the session's language
          --timeout SECONDS    per cell
          --memory MB, --network  as for run
          -h, --help           show this help

        """ + connection

    static let exec = """
        codebeaker exec: run code in an existing session of a running server (for scripts)

        USAGE
          codebeaker exec SESSION [-l LANGUAGE] (FILE | -) --server URL [--token TOKEN]

        Runs FILE (or standard input) in SESSION, streams its output and exits with its exit code, as run.
        -l picks another language the session's driver runs (e.g. typescript in a deno session).

        codebeaker session create -l LANGUAGE [--memory MB] [--network] --server URL
                                               print a new session's id
        codebeaker session close SESSION --server URL
        codebeaker session list --server URL   one line per session: id, language, state, executions

        """ + connection
}
