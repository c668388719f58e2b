using System.Runtime.CompilerServices;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>
/// Keeps the test process away from the developer's real AWS configuration: before any test runs, the shared
/// credentials and config files point at empty files of this run, and EC2 instance metadata is never probed.
/// It has to happen first because AWSSDK.Core remembers the shared-file paths it first sees in a process (it
/// re-reads their content), so the tests that exercise profiles write into these same files.
/// </summary>
internal static class TestProcessSetup
{
    public static string CredentialsFile { get; } = Path.Combine(Path.GetTempPath(), $"deployer-tests-{Environment.ProcessId}-credentials");

    public static string ConfigFile { get; } = Path.Combine(Path.GetTempPath(), $"deployer-tests-{Environment.ProcessId}-config");

#pragma warning disable CA2255 // a test assembly: isolating it from ~/.aws before any test touches the SDK is the point
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        File.WriteAllText(CredentialsFile, "");
        File.WriteAllText(ConfigFile, "");
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", CredentialsFile);
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", ConfigFile);
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            File.Delete(CredentialsFile);
            File.Delete(ConfigFile);
        };
    }
}
