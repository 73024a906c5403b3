import Testing

@testable import codebeaker_driver_runtimes

@Suite struct PlaceholdersTests {
    @Test func substitutesEveryPlaceholderInPlaceWithoutSplitting() {
        let p = Placeholders(dir: "/build/k1", sourceName: "main.c")
        #expect(
            p.apply(["gcc", "-o", "{dir}/main", "{source}", "-I{workspace}/inc", "a b"])
                == ["gcc", "-o", "/build/k1/main", "/build/k1/main.c", "-I/workspace/inc", "a b"])
    }
}
