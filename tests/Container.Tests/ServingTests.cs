using Aspire.ServiceDefaults;
using System.Net;
using System.Text.Json;
using NodeApp.Container.Tests.Infrastructure;

namespace NodeApp.Container.Tests;

/// <summary>The image with default settings: it serves the app, as a non-root node process on PID 1.</summary>
public sealed class ServingTests(AppContainerFixture app) : IClassFixture<AppContainerFixture>
{
    [Fact]
    public async Task Root_ReturnsHtmlPageNamingTheApp()
    {
        using var response = await app.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(PackageJson.Name, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ApiInfo_ReturnsNameAndVersionFromPackageJson()
    {
        using var response = await app.Http.GetAsync("/api/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(PackageJson.Name, json.RootElement.GetProperty("name").GetString());
        Assert.Equal(PackageJson.Version, json.RootElement.GetProperty("version").GetString());
    }

    [Theory]
    [InlineData(ServiceContract.HealthPath)]
    [InlineData(ServiceContract.AlivePath)]
    public async Task HealthEndpoints_Return200(string path)
    {
        using var response = await app.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Process_IsNodeOnPid1RunningAsNonRootUid()
    {
        // Read PID 1's identity from /proc with the image's own node (no shell or procps needed).
        var result = await app.Container.ExecAsync(
        [
            "node", "-e",
            "const fs=require('fs');" +
            "const uid=/^Uid:\\s+(\\d+)\\s+(\\d+)/m.exec(fs.readFileSync('/proc/1/status','utf8'));" +
            "process.stdout.write(JSON.stringify({real:+uid[1],effective:+uid[2]," +
            "cmdline:fs.readFileSync('/proc/1/cmdline','utf8').split('\\0').filter(Boolean)}))",
        ]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var cmdline = json.RootElement.GetProperty("cmdline").EnumerateArray().Select(e => e.GetString() ?? string.Empty).ToArray();
        Assert.Equal(1000, json.RootElement.GetProperty("real").GetInt32());
        Assert.Equal(1000, json.RootElement.GetProperty("effective").GetInt32());
        Assert.Equal(["node", "--import", "./src/instrumentation.js", "src/server.js"], cmdline);
    }
}
