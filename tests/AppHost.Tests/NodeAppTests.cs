using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Aspire.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task Telemetry_CarriesTheResourceAttributesAspireInjected_AndALogRecordOfTheRequestWithItsTraceId()
    {
        // OTEL_SERVICE_NAME is "node-app", the SDK's fallback name too; the instance id Aspire injects is not.
        var env = Snapshot().EnvironmentVariables.ToDictionary(v => v.Name, v => v.Value);
        var instanceId = env["OTEL_RESOURCE_ATTRIBUTES"]!.Split(',')
            .Select(a => a.Split('=', 2)).Single(kv => kv[0] == "service.instance.id")[1];
        var traceId = new byte[16];
        Random.Shared.NextBytes(traceId);
        // The upstream refuses: node-app logs a warning within the request's trace and answers 502.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/upstream");
        request.Headers.Add("traceparent", $"00-{Convert.ToHexStringLower(traceId)}-00f067aa0ba902b7-01");

        var response = await fixture.Client.SendAsync(request).WaitAsync(RequestTimeout);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var instance = System.Text.Encoding.UTF8.GetBytes(instanceId);
        Assert.True(await fixture.Otlp.WaitForAsync("/v1/logs", traceId, TimeSpan.FromSeconds(30)),
            $"the request's warning (with its trace id) was not exported ({fixture.Otlp.Describe()})");
        Assert.True(await fixture.Otlp.WaitForAsync("/v1/logs", "upstream request failed"u8.ToArray(), TimeSpan.FromSeconds(30)),
            "the exported log record is not the request's warning");
        Assert.True(await fixture.Otlp.WaitForAsync("/v1/logs", instance, TimeSpan.FromSeconds(30)), $"logs lack service.instance.id {instanceId}");
        Assert.True(await fixture.Otlp.WaitForAsync("/v1/metrics", instance, TimeSpan.FromSeconds(30)), $"metrics lack service.instance.id {instanceId}");
        Assert.True(await fixture.Otlp.WaitForAsync("/v1/traces", instance, TimeSpan.FromSeconds(30)), $"traces lack service.instance.id {instanceId}");
        Assert.Equal("node-app", env["OTEL_SERVICE_NAME"]);
    }

    [Fact]
    public async Task Inspector_AnswersJsonVersionOnItsOwnEndpoint()
    {
        var inspector = fixture.App.GetEndpoint(NodeAppFixture.ResourceName, NodeAppResource.InspectorEndpointName);
        using var http = new HttpClient { Timeout = RequestTimeout };

        var version = await http.GetFromJsonAsync<JsonElement>(new Uri(inspector, "/json/version"));

        Assert.StartsWith("node.js/v", version.GetProperty("Browser").GetString());
        Assert.NotEqual(fixture.App.GetEndpoint(NodeAppFixture.ResourceName, "http").Port, inspector.Port);
        Assert.Contains(Snapshot().Urls, u => u.Name == NodeAppResource.InspectorEndpointName && u.Url.EndsWith("/json/list", StringComparison.Ordinal));
    }

    [Fact]
    public void NodeApp_AndItsInspector_ListenOnLoopbackOnly()
    {
        foreach (var name in new[] { "http", NodeAppResource.InspectorEndpointName })
        {
            var port = fixture.App.GetEndpoint(NodeAppFixture.ResourceName, name).Port;

            var addresses = ListeningSockets.AddressesListeningOn(port);

            Assert.NotEmpty(addresses);
            Assert.All(addresses, a => Assert.True(System.Net.IPAddress.IsLoopback(a), $"{name} port {port} listens on {a}"));
        }
    }

    private CustomResourceSnapshot Snapshot() =>
        fixture.App.Services.GetRequiredService<ResourceNotificationService>().TryGetCurrentState(NodeAppFixture.ResourceName, out var e)
            ? e.Snapshot
            : throw new InvalidOperationException("node-app has no state");
}
