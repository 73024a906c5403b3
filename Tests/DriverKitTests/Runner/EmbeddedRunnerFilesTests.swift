import DriverProtocol
import Testing

@testable import DriverKit

/// The runner programs and installer scripts are embedded from Resources/ at build time (docs/architecture.md,
/// "Runner programs"): the bytes arrive whole, and what Swift and the scripts must agree on still agrees.
@Suite struct EmbeddedRunnerFilesTests {
    @Test func theInstallerScriptsPrintTheMarkerTheInstallersLookFor() {
        #expect(PipBootScript.text.contains("MARKER = \"\(PipBootScript.marker)\""))
        #expect(NpmWrapperScript.text.contains("const MARKER = '\(NpmWrapperScript.marker)';"))
        #expect(NpmWrapperScript.marker == PipBootScript.marker)
    }

    @Test func theSharedControlReaderIsEmbeddedWhole() {
        let text = JSControlReader.text
        #expect(text.hasPrefix("// The control channel's reader"))
        #expect(text.contains("export function controlLines(onMessage)"))
        #expect(text.contains("export function dispatchJob(runner, msg)"))
        #expect(text.hasSuffix("}\n"))
    }

    @Test func aFlavorWritesItsCompanionFilesNextToItsScript() {
        var flavor = RunnerFlavor(
            name: "node", version: "0",
            capabilities: .init(languages: [], runtimeType: "x", isolationLevel: 0, startupMs: 0, memoryMB: 0),
            interpreter: "/bin/true", installHint: "", script: "main", scriptFileName: "runner.mjs"
        ) { _, _, _ in [] }
        flavor.companionFiles = [RunnerFile(name: JSControlReader.fileName, text: JSControlReader.text)]
        let files = flavor.files
        #expect(files.map(\.sandboxPath) == ["/opt/codebeaker/runner.mjs", "/opt/codebeaker/control.mjs"])
        let dir =
            "\(SandboxFiles.root)/runners/node/v-\(VersionedFiles.version(of: [("runner.mjs", "main"), (JSControlReader.fileName, JSControlReader.text)]))"
        #expect(files.map(\.hostPath) == ["\(dir)/runner.mjs", "\(dir)/control.mjs"])
        #expect(files.first?.text == "main" && files.last?.text == JSControlReader.text)
    }
}
