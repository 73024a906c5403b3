import FoundationEssentials
import Glibc
import Host

exit(await CodeBeakerApp.main(arguments: Array(CommandLine.arguments.dropFirst())))
