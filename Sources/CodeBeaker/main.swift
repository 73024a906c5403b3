import Foundation
import Host

exit(await CodeBeakerApp.main(arguments: Array(CommandLine.arguments.dropFirst())))
