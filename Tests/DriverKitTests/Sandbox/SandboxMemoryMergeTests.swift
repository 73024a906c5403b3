import DriverKit
import DriverProtocol
import Testing

@Suite struct SandboxMemoryMergeTests {
    let config = SandboxConfig(workspace: "/srv/ws/s1", uid: 100123, gid: 100124)

    @Test func processSpec_AppliesTheMemoryMergeMode() {
        let off = Sandbox.processSpec(config, command: ["x"], memoryMerge: .off)
        #expect(!off.memoryMerge && !off.noASLR)
        let on = Sandbox.processSpec(config, command: ["x"], memoryMerge: .on)
        #expect(on.memoryMerge && !on.noASLR)
        let max = Sandbox.processSpec(config, command: ["x"], memoryMerge: .max)
        #expect(max.memoryMerge && max.noASLR)
    }

    @Test func memoryMerge_ParsesTheNamedModesAndRefusesOthers() {
        #expect(MemoryMerge(parsing: "MAX") == .max)
        #expect(MemoryMerge(parsing: "on") == .on && MemoryMerge(parsing: "true") == .on)
        #expect(MemoryMerge(parsing: "off") == .off && MemoryMerge(parsing: "0") == .off)
        #expect(MemoryMerge(parsing: "maybe") == nil)
    }

    @Test func memoryMerge_FromAnEnvironment_IsOffUnlessNamedCorrectly() {
        #expect(MemoryMerge.from(environment: [:]) == .off)
        #expect(MemoryMerge.from(environment: [MemoryMerge.environmentVariable: "typo"]) == .off)
        #expect(MemoryMerge.from(environment: [MemoryMerge.environmentVariable: "max"]) == .max)
    }
}
