// The tests run where slurmk8s runs: Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
