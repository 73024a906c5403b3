import DriverKit
