/// Recognises install commands sent through `execute_shell` (the seed does `pip install --no-cache-dir
/// requests`), so they run as installs: in the install sandbox with network, with the same checks as
/// `install_packages`. Only the exact argv forms below qualify; anything else (`sh -c "pip install x"`,
/// `curl ...`) is a plain shell command and stays offline.
public enum ShellInstallCommand: Sendable {
    static let pips: Set<String> = [
        "pip", "pip3", "pip3.11", "/usr/bin/pip", "/usr/bin/pip3", "/workspace/.venv/bin/pip",
        "/workspace/.venv/bin/pip3",
    ]
    static let pythons: Set<String> = [
        "python", "python3", "python3.11", "/usr/bin/python3", "/usr/bin/python3.11",
        "/workspace/.venv/bin/python", "/workspace/.venv/bin/python3",
    ]

    /// The arguments after `install` for `pip install ...` and `python3 -m pip install ...`; nil otherwise.
    public static func pipArguments(_ command: String, _ args: [String]) -> [String]? {
        if pips.contains(command), args.first == "install" { return Array(args.dropFirst()) }
        if pythons.contains(command), args.count >= 3, args[0] == "-m", args[1] == "pip", args[2] == "install" {
            return Array(args.dropFirst(3))
        }
        return nil
    }

    /// The arguments after the verb for `npm install|i|add ...` / `bun add|install|i ...`; nil otherwise.
    public static func npmArguments(_ command: String, _ args: [String], tool: String) -> [String]? {
        let name = command.split(separator: "/").last.map(String.init) ?? command
        guard name == tool, let verb = args.first else { return nil }
        let verbs: Set<String> = tool == "bun" ? ["add", "install", "i"] : ["install", "i", "add", "isntall", "in"]
        return verbs.contains(verb) ? Array(args.dropFirst()) : nil
    }
}
