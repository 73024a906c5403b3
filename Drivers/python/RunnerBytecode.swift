import DriverKit
import DriverProtocol
import Glibc
import LinuxSystem

/// runner.py compiled to runner.pyc next to it, once per runner version, by the interpreter the sandboxes run
/// (they see the host's /usr). A runner started from source keeps ~1.7 MB of the compiler's memory for its
/// whole life; from the .pyc it does not (docs/performance.md, "Idle memory"). Unchecked-hash mode: the .pyc
/// is valid by its name's version directory, not by timestamps. Any failure runs the source, as before.
func compiledRunner(interpreter: String) -> @Sendable (String) -> String? {
    { source in
        guard source.hasSuffix(".py") else { return nil }
        let pyc = source + "c"
        if access(pyc, R_OK) == 0 { return pyc }
        let tmp = pyc + ".tmp.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"  // opens compile concurrently
        let program =
            "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True, "
            + "invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)"
        var spec = ProcessSpec(executable: interpreter, arguments: [interpreter, "-I", "-c", program, source, tmp])
        spec.timeoutMs = 30_000
        guard case .success(let r) = ProcessRunner.runBlocking(spec), r.exitCode == 0 else {
            unlink(tmp)
            return nil
        }
        chmod(tmp, 0o644)
        guard rename(tmp, pyc) == 0 else {
            unlink(tmp)
            return nil
        }
        return pyc
    }
}
