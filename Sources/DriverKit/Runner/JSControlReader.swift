/// The control-channel reader shared by the node, deno and bun runners (Resources/control.mjs). Each runner
/// imports it as `./control.mjs`, so a driver writes it next to its runner script.
public enum JSControlReader: Sendable {
    public static let fileName = "control.mjs"
    public static let text = String(decoding: PackageResources.control_mjs, as: UTF8.self)
}
