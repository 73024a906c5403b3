/// Which output stream a chunk came from.
public enum StdStream: String, Sendable, Equatable {
    case stdout, stderr
}
