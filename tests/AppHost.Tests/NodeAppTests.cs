using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.ServiceDefaults;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace AppHost.Tests;

/// <summary>node-app as the AppHost runs it: endpoints answer through Aspire, and telemetry leaves the process.</summary>
public sealed class NodeAppTests(NodeAppFixture fixture) : IClassFixture<NodeAppFixture>
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Root_ServesHtmlPageNamingTheApp()
    {
        var response = await fixture.Client.GetAsync("/").WaitAsync(RequestTimeout);

        response.EnsureSuccessStatusCode();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("node-app", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ApiInfo_ReturnsNameVersionAndInstance()
    {
        var info = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/info").WaitAsync(RequestTimeout);

        Assert.Equal("node-app", info.GetProperty("name").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", info.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("instance").GetString()));
    }

    [Theory]
    [InlineData(ServiceContract.HealthPath)]
    [InlineData(ServiceContract.AlivePath)]
    public async Task HealthEndpoints_AnswerOk(string path)
    {
        var response = await fixture.Client.GetAsync(path).WaitAsync(RequestTimeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_IsNotFound()
    {
        var response = await fixture.Client.GetAsync("/no-such-page").WaitAsync(RequestTimeout);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Request_ProducesSpanExportedOverOtlp()
    {
        // A W3C traceparent the test chose: node-app's HTTP span joins this trace, so its id must appear in an export.
        var traceId = Convert.FromHexString("4bf92f3577b34da6a3ce929d0e0e4736");
        Random.Shared.NextBytes(traceId);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/info");
        request.Headers.Add("traceparent", $"00-{Convert.ToHexStringLower(traceId)}-00f067aa0ba902b7-01");

        (await fixture.Client.SendAsync(request).WaitAsync(RequestTimeout)).EnsureSuccessStatusCode();

        Assert.True(await fixture.Otlp.WaitForAsync("/v1/traces", traceId, TimeSpan.FromSeconds(30)),
            $"no span with the request's trace id reached the OTLP endpoint ({fixture.Otlp.Describe()})");
    }

    [Fact]
    public async Task Telemetry_ExportsMetricsAndLogsWithServiceName()
    {
        var serviceName = "node-app"u8.ToArray();

        (await fixture.Client.GetAsync("/").WaitAsync(RequestTimeout)).EnsureSuccessStatusCode();

        Assert.True(await fixture.Otlp.WaitForAsync("/v1/logs", serviceName, TimeSpan.FromSeconds(30)), $"no logs exported ({fixture.Otlp.Describe()})");
        Assert.True(await fixture.Otlp.WaitForAsync("/v1/metrics", serviceName, TimeSpan.FromSeconds(30)), $"no metrics exported ({fixture.Otlp.Describe()})");
    }
}
