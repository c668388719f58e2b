using Aspire.Deployer.Images;
using Aspire.Deployer.Tests.Images.Infrastructure;

namespace Aspire.Deployer.Tests.Images;

/// <summary>What goes into the content-derived tag: exactly what the build sees.</summary>
public sealed class SourceFingerprintTests
{
    private static readonly string[] NodeAppIgnore = File.ReadAllLines(Path.Combine(TestEnvironment.RepoRoot, "node-app", ".dockerignore"));

    [Theory]
    [InlineData("package.json", false)]
    [InlineData("package-lock.json", false)]
    [InlineData(".npmrc", false)]
    [InlineData("src", false)]
    [InlineData("src/server.js", false)]
    [InlineData("src/lib/deep/file.js", false)]
    [InlineData("src/server.test.js", true)]
    [InlineData("src/.env.local", true)]
    [InlineData("src/node_modules/x/index.js", true)]
    [InlineData("node_modules/express/index.js", true)]
    [InlineData("test/server.test.js", true)]
    [InlineData("Dockerfile", true)]
    [InlineData("README.md", true)]
    [InlineData(".git/HEAD", true)]
    public void DockerIgnore_NodeAppAllowlist_MatchesLikeDocker(string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse(NodeAppIgnore).IsExcluded(path));

    [Theory]
    [InlineData("*.log", "a.log", true)]
    [InlineData("*.log", "dir/a.log", false)]
    [InlineData("**/*.log", "dir/sub/a.log", true)]
    [InlineData("/build", "build/out.js", true)]
    [InlineData("./docs/", "docs/index.md", true)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file[0-9].txt", "filex.txt", false)]
    [InlineData("a+b(c).txt", "a+b(c).txt", true)]
    public void DockerIgnore_Patterns(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, DockerIgnore.Parse([pattern]).IsExcluded(path));

    [Fact]
    public void ContextEntries_LeaveOutIgnoredFilesAndSkipIgnoredFolders()
    {
        var context = Directory.CreateTempSubdirectory("issue5-context-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(context, "src"));
            Directory.CreateDirectory(Path.Combine(context, "node_modules", "x"));
            File.WriteAllText(Path.Combine(context, "src", "a.js"), "a");
            File.WriteAllText(Path.Combine(context, "src", "a.test.js"), "t");
            File.WriteAllText(Path.Combine(context, "node_modules", "x", "i.js"), "i");
            File.WriteAllText(Path.Combine(context, "package.json"), "{}");

            var entries = SourceFingerprint.ContextEntries(context, DockerIgnore.Parse(NodeAppIgnore));

            Assert.Equal(["package.json", "src", "src/a.js"], entries);
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    [Fact]
    public void BaseImages_SubstituteArgsAndBuildArgs_AndLeaveOutStagesAndScratch()
    {
        const string dockerfile = """
            ARG NODE_IMAGE=node:22-slim
            ARG TOOLS
            FROM ${NODE_IMAGE} AS deps
            FROM --platform=linux/amd64 $TOOLS AS tools
            FROM scratch AS empty
            FROM ${RUNTIME:-gcr.io/distroless/nodejs22}
            FROM deps
            """;

        Assert.Equal(["node:22-slim", "busybox:1", "gcr.io/distroless/nodejs22"], SourceFingerprint.BaseImages(dockerfile, new Dictionary<string, string> { ["TOOLS"] = "busybox:1" }));
        Assert.Equal(["node:20", "busybox:1", "gcr.io/distroless/nodejs22"], SourceFingerprint.BaseImages(dockerfile, new Dictionary<string, string> { ["NODE_IMAGE"] = "node:20", ["TOOLS"] = "busybox:1" }));
    }

    [Fact]
    public void Tag_IsCommitPlusContentHash_OrContentHashAlone()
    {
        var hash = new string('c', 64);
        Assert.Equal("0123456789ab-cccccccccccccccc", new SourceFingerprint(hash, "0123456789abcdef0123456789abcdef01234567", Dirty: false).Tag);
        Assert.Equal("0123456789ab-dirty-cccccccccccccccc", new SourceFingerprint(hash, "0123456789abcdef0123456789abcdef01234567", Dirty: true).Tag);
        Assert.Equal("src-cccccccccccccccc", new SourceFingerprint(hash, null, Dirty: false).Tag);
    }

    [Fact]
    public void RegistryCredentials_NeverShowThePassword_AndComeFromEnvironmentVariables()
    {
        var variables = new Dictionary<string, string?>
        {
            [ImagePipelineOptions.DefaultUsernameVariable] = "ci-bot",
            [ImagePipelineOptions.DefaultPasswordVariable] = "s3cret-value",
        };

        var credentials = RegistryCredentials.FromEnvironment(environment: n => variables.GetValueOrDefault(n));

        Assert.Equal("ci-bot", credentials!.Username);
        Assert.Equal("s3cret-value", credentials.Password);
        Assert.DoesNotContain("s3cret", credentials.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", new ImagePipelineOptions { RegistryCredentials = credentials }.ToString(), StringComparison.Ordinal);
        Assert.Null(RegistryCredentials.FromEnvironment(environment: _ => null));
        Assert.Throws<ArgumentException>(() => RegistryCredentials.FromEnvironment(environment: n => n == ImagePipelineOptions.DefaultUsernameVariable ? "u" : null));
    }
}
