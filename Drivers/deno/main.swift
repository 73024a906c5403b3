import DriverKit

// codebeaker-driver-deno: TypeScript/JavaScript on Deno (pip `deno`), one persistent runner per session.
DriverServer.run(DenoRuntime())
