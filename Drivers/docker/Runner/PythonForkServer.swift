/// A Python fork server for Docker sessions: started once per session (as the session uid) through
/// cb-runner, it keeps an initialised interpreter and forks one child per `execute` ('F' runs), so an
/// execution costs a fork instead of python's ~20 ms start. Each child is a fresh process: it gets the run's
/// stdin/stdout/stderr from cb-runner (SCM_RIGHTS), its own session/process group, cwd and environment, and
/// runs the file like `python3 FILE` (`__main__`, sys.argv, sys.path[0] = the file's directory).
enum PythonForkServer {
    static let socketPath = "/tmp/.cb-python.sock"
    static let scriptPath = "/tmp/.cb-python-forkserver.py"

    /// Resources/python-forkserver.py, embedded at build time.
    static let script = String(decoding: PackageResources.python_forkserver_py, as: UTF8.self)
}
