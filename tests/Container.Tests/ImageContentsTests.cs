using NodeApp.Container.Tests.Infrastructure;

namespace NodeApp.Container.Tests;

/// <summary>What the image holds and how it is configured.</summary>
public sealed class ImageContentsTests(ImageInspectionFixture inspection) : IClassFixture<ImageInspectionFixture>
{
    private ImageReport Report => inspection.Report;

    [Fact]
    public void AppDirectory_HoldsOnlyPackageJsonSourceAndModules()
    {
        Assert.Equal(["node_modules", "package.json", "src"], Report.AppEntries);
    }

    [Fact]
    public void NodeModules_HoldsEveryProductionPackageAndNoDevDependency()
    {
        var installed = Report.Packages.ToHashSet(StringComparer.Ordinal);
        var locked = PackageJson.LockedPackages;

        var devInstalled = locked.Where(p => p.Dev).Select(p => p.Path)
            .Concat(PackageJson.DevDependencies.Select(name => "node_modules/" + name))
            .Where(installed.Contains)
            .ToArray();
        var productionMissing = locked.Where(p => !p.Dev && !p.Optional).Select(p => p.Path)
            .Where(path => !installed.Contains(path))
            .ToArray();

        Assert.Empty(devInstalled);
        Assert.Empty(productionMissing);
        Assert.NotEmpty(installed);
    }

    [Fact]
    public void Image_HoldsNoTestsEnvFilesGitOrNpmCache()
    {
        Assert.Empty(Report.TestFiles);
        Assert.Empty(Report.EnvFiles);
        Assert.Empty(Report.GitDirs);
        Assert.Empty(Report.NpmCaches);
        Assert.Empty(Report.TmpEntries);
    }

    [Fact]
    public void AppFiles_AreOwnedByRootAndNotWritableByTheAppUser()
    {
        Assert.Empty(Report.WritableByApp);
    }

    [Fact]
    public void ImageConfig_RunsAsNonRootWithProductionSettingsAndExecFormCommand()
    {
        var config = inspection.Image.Config ?? throw new InvalidOperationException("image has no config");

        var user = (config.User ?? string.Empty).Split(':')[0];
        Assert.False(string.IsNullOrEmpty(user) || user is "0" or "root", $"image user is '{config.User}'");
        Assert.Contains("NODE_ENV=production", config.Env ?? []);
        Assert.Contains("PORT=4000", config.Env ?? []);
        Assert.Contains("4000/tcp", config.ExposedPorts?.Keys ?? []);
        Assert.Equal(["node", "--import", "./src/instrumentation.js", "src/server.js"], config.Cmd ?? []);
    }
}
