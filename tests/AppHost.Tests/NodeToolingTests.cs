using Aspire.Hosting;

namespace AppHost.Tests;

/// <summary>The decisions the Node hosting support makes before it starts anything.</summary>
public sealed class NodeToolingTests : IDisposable
{
    private readonly DirectoryInfo _app = Directory.CreateTempSubdirectory("node-app-");

    [Theory]
    [InlineData(">=20.11", "20.11.0")]
    [InlineData(">= 22", "22.0.0")]
    [InlineData(">=18.19.1 <23", "18.19.1")]
    [InlineData("^20", "0.0.0")]
    [InlineData(null, "0.0.0")]
    public void ParseMinimum_ReadsLowerBoundOfEnginesRange(string? range, string expected)
    {
        Assert.Equal(Version.Parse(expected), NodeRequirement.ParseMinimum(range));
    }

    [Theory]
    [InlineData("v20.20.2\n", "20.20.2")]
    [InlineData("v22.23.3", "22.23.3")]
    public void ParseNodeVersion_ReadsNodeVersionOutput(string output, string expected)
    {
        Assert.Equal(Version.Parse(expected), NodeRequirement.ParseNodeVersion(output));
    }

    [Fact]
    public void ParseNodeVersion_RejectsGarbage()
    {
        Assert.Null(NodeRequirement.ParseNodeVersion("command not found"));
    }

    [Fact]
    public void FromPackageJson_UsesEnginesNode()
    {
        File.WriteAllText(Path.Combine(_app.FullName, "package.json"), """{"engines":{"node":">=99.1"}}""");

        Assert.Equal(new Version(99, 1, 0), NodeRequirement.FromPackageJson(_app.FullName).Minimum);
    }

    [Fact]
    public void NpmInstall_IsNeededWhenNodeModulesIsMissing()
    {
        File.WriteAllText(Path.Combine(_app.FullName, "package-lock.json"), "{}");

        Assert.True(NpmInstallState.IsStale(_app.FullName));
    }

    [Fact]
    public void NpmInstall_IsNeededWhenLockfileIsNewerThanInstall()
    {
        var installed = WriteInstalledLock();
        File.SetLastWriteTimeUtc(installed, DateTime.UtcNow.AddMinutes(-5));
        File.WriteAllText(Path.Combine(_app.FullName, "package-lock.json"), "{}");

        Assert.True(NpmInstallState.IsStale(_app.FullName));
    }

    [Fact]
    public void NpmInstall_IsSkippedWhenInstallIsUpToDate()
    {
        var lockFile = Path.Combine(_app.FullName, "package-lock.json");
        File.WriteAllText(lockFile, "{}");
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow.AddMinutes(-5));
        WriteInstalledLock();

        Assert.False(NpmInstallState.IsStale(_app.FullName));
    }

    private string WriteInstalledLock()
    {
        var modules = Directory.CreateDirectory(Path.Combine(_app.FullName, "node_modules"));
        var path = Path.Combine(modules.FullName, ".package-lock.json");
        File.WriteAllText(path, "{}");
        return path;
    }

    public void Dispose() => _app.Delete(recursive: true);
}
