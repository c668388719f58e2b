using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AppHost.Tests;

/// <summary>
/// A minimal OTLP/HTTP collector on loopback: it accepts every export with 200 and keeps the raw protobuf bodies
/// per signal path (/v1/traces, /v1/metrics, /v1/logs) for the tests to search.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<byte[]>> _exports = new();

    public OtlpReceiver()
    {
        var port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    public Uri Endpoint { get; }

    /// <summary>Waits until an export to <paramref name="path"/> contains <paramref name="bytes"/>.</summary>
    public async Task<bool> WaitForAsync(string path, byte[] bytes, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_exports.TryGetValue(path, out var bodies) && bodies.Any(b => b.AsSpan().IndexOf(bytes) >= 0))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    /// <summary>What arrived so far, for failure messages: each path with its number of exports.</summary>
    public string Describe() => _exports.IsEmpty
        ? "nothing arrived"
        : string.Join(", ", _exports.Select(e => $"{e.Key}: {e.Value.Count}"));

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            _exports.GetOrAdd(context.Request.Url!.AbsolutePath, _ => new()).Enqueue(body.ToArray());
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose() => _listener.Close();
}
