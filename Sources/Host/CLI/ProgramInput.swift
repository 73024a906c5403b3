import DriverProtocol
import FoundationEssentials
import Glibc
import LinuxSystem

/// Where a program's code, language and standard input come from.
enum ProgramInput {
    /// The code of FILE, or all of standard input for "-".
    static func code(_ file: String) throws(CLIFailure) -> String {
        let bytes: [UInt8]
        if file == "-" {
            bytes = readAll(0)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIFailure("cannot read \(file): \(String(cString: strerror(errno)))")
            }
            bytes = Array(data)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CLIFailure("\(file == "-" ? "standard input" : file) is not UTF-8 text")
        }
        return text
    }

    /// Standard input, read to its end, when it is not a terminal (the API takes stdin whole).
    static func standardInputIfPiped() -> String? {
        guard isatty(0) == 0 else { return nil }
        let bytes = readAll(0)
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        while let chunk = FD.read(fd), !chunk.isEmpty { out += chunk }
        return out
    }

    /// `-l` as given, else the language whose extensions include FILE's; waits for the embedded host's driver.
    static func language(
        _ o: CLIOptions, file: String, backend: any CancellableRPCBackend, embedded: EmbeddedHost?
    ) async throws(CLIFailure) -> String {
        var byExtension = false
        var wanted = o.language ?? ""
        if o.language == nil {
            guard let ext = LanguageTable.fileExtension(file) else {
                throw CLIFailure("cannot tell the language of \(file) (no extension); use -l LANGUAGE", code: 2)
            }
            wanted = ext
            byExtension = true
        }
        if let embedded {
            do { return try await embedded.waitForLanguage(wanted, byExtension: byExtension) } catch {
                throw CLIFailure(error.message)
            }
        }
        guard byExtension else { return wanted }
        let table: [JSONValue]
        do { table = try await backend.call("language.list")["languages"]?.array ?? [] } catch {
            throw CLIFailure(error)
        }
        guard let name = LanguageTable.language(forExtension: wanted, in: table) else {
            throw CLIFailure(LanguageTable.missing(wanted, byExtension: true, in: table))
        }
        return name
    }
}
