import DriverProtocol

/// The same integration checks run against each runner driver with its own snippets.
struct RuntimeCase: Sendable, CustomStringConvertible {
    let driver: String
    let printOne: String
    let streamFive: String  // prints 1..5 on separate lines, flushing between them
    let sleepLong: String  // runs for ~30 s
    let setX: String
    let printX: String
    let infiniteLoop: String
    let readStdinUpper: String  // echoes stdin upper-cased
    let printEnvFoo: String
    let exitThree: String
    let bigOutput: String  // prints 2 MB
    let memoryBomb: String
    let forkBomb: String
    let fillDisk: String  // writes far past 256 MB into /workspace
    let readShadow: String  // prints whether /etc/shadow can be read
    let connectOut: String  // prints "blocked" if a TCP connect out fails
    let leakFds: String  // leaves 700 fds open when it ends
    let countFds: String  // prints how many fds its process has open
    var description: String { driver }

    static let python = RuntimeCase(
        driver: "python", printOne: "print(1)",
        streamFive: "import time\nfor i in range(1, 6):\n    print(i, flush=True)\n    time.sleep(0.02)",
        sleepLong: "import time; time.sleep(30)", setX: "x = 10", printX: "print(x)",
        infiniteLoop: "while True: pass", readStdinUpper: "import sys; print(sys.stdin.read().upper(), end='')",
        printEnvFoo: "import os; print(os.environ['FOO'])", exitThree: "import sys; sys.exit(3)",
        bigOutput: "import sys; sys.stdout.write('x' * 2_000_000)",
        memoryBomb: "a = []\nwhile True: a.append(bytearray(10 * 1024 * 1024))",
        forkBomb: "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
        fillDisk: "f = open('/workspace/big', 'wb')\nfor i in range(1000):\n    f.write(b'x' * (1 << 20))\nf.close()",
        readShadow: "import os; print(os.path.exists('/etc/shadow'), os.path.exists('/root'))",
        connectOut:
            "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=2); print('connected')\nexcept OSError:\n    print('blocked')",
        leakFds: "import os\nkeep = [os.open('/dev/null', os.O_RDONLY) for _ in range(700)]",
        countFds: "import os; print(len(os.listdir('/proc/self/fd')))")

    static let node = RuntimeCase(
        driver: "node", printOne: "console.log(1)",
        streamFive: "for (let i = 1; i <= 5; i++) { console.log(i); await new Promise(r => setTimeout(r, 20)); }",
        sleepLong: "await new Promise(r => setTimeout(r, 30000))", setX: "x = 10", printX: "console.log(x)",
        infiniteLoop: "while (true) {}",
        readStdinUpper: "process.stdout.write(require('fs').readFileSync(0, 'utf8').toUpperCase())",
        printEnvFoo: "console.log(process.env.FOO)", exitThree: "process.exit(3)",
        bigOutput: "process.stdout.write('x'.repeat(2000000))",
        memoryBomb: "const a = []; while (true) a.push(Buffer.alloc(10 * 1024 * 1024, 1));",
        forkBomb:
            "const cp = require('child_process'); for (let i = 0; i < 2000; i++) { try { cp.spawn('sleep', ['30']).on('error', () => {}); } catch {} }",
        fillDisk:
            "const fs = require('fs'); const b = Buffer.alloc(1 << 20, 120); const fd = fs.openSync('/workspace/big', 'w'); for (let i = 0; i < 1000; i++) fs.writeSync(fd, b);",
        readShadow:
            "const fs = require('fs'); console.log(fs.existsSync('/etc/shadow') ? 'True' : 'False', fs.existsSync('/root') ? 'True' : 'False')",
        connectOut:
            "const s = require('net').connect(80, '1.1.1.1'); s.on('connect', () => { console.log('connected'); s.destroy(); }); s.on('error', () => console.log('blocked')); s.setTimeout(2000, () => { console.log('blocked'); s.destroy(); });",
        leakFds: "globalThis.keep = Array.from({ length: 700 }, () => require('fs').openSync('/dev/null', 'r'))",
        countFds: "console.log(require('fs').readdirSync('/proc/self/fd').length)")

    static let all = [python, node]
}
