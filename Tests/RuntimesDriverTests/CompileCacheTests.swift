import DriverProtocol
import Testing

@testable import codebeaker_driver_runtimes

@Suite struct CompileCacheTests {
    let key = CompileCache.Key(source: Array("int main(){}".utf8), argv: ["gcc", "{source}"], toolchain: "12.2.0")

    @Test func aHitNeedsTheSameMaterialAndUntouchedOutputs() {
        var cache = CompileCache()
        let dir = cache.directory(for: key)
        _ = cache.store(key, dirName: dir, listing: ["main 1 2"])
        #expect(cache.hit(key) { _ in ["main 1 2"] }?.dirName == dir)
        #expect(cache.hit(key) { _ in ["main 1 3"] } == nil)  // the outputs changed since the compile
        var other = key
        other.toolchain = "13.1.0"
        #expect(cache.hit(other) { _ in ["main 1 2"] } == nil)
        other = key
        other.argv = ["gcc", "-O2", "{source}"]
        #expect(cache.hit(other) { _ in ["main 1 2"] } == nil)
        other = key
        other.source += [0x20]
        #expect(cache.hit(other) { _ in ["main 1 2"] } == nil)
    }

    @Test func keyMaterialIsSeparatedSoShiftedBytesDoNotCollide() {
        let a = CompileCache.Key(source: Array("ab".utf8), argv: ["c"], toolchain: "")
        let b = CompileCache.Key(source: Array("a".utf8), argv: ["bc"], toolchain: "")
        #expect(a.hash != b.hash)
    }

    @Test func aCollidingHashGetsItsOwnDirectoryAndNeverTheOthersOutputs() {
        var cache = CompileCache()
        let dir = cache.directory(for: key)
        _ = cache.store(key, dirName: dir, listing: [])
        // Another key that (pretend) hashes alike: directory(for:) must not hand out the taken name.
        var other = key
        other.source = Array("other".utf8)
        let otherDir = cache.directory(for: other)
        #expect(otherDir != dir)
        #expect(cache.hit(other) { _ in [] } == nil)
    }

    @Test func theOldestEntryIsEvictedBeyondCapacity() {
        var cache = CompileCache()
        cache.capacity = 2
        var evicted: [String] = []
        for i in 0..<3 {
            var k = key
            k.source = Array("\(i)".utf8)
            evicted += cache.store(k, dirName: "d\(i)", listing: [])
        }
        #expect(evicted == ["d0"] && cache.entries.map(\.dirName) == ["d1", "d2"])
    }
}
