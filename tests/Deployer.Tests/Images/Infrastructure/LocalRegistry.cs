using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aspire.Deployer.Tests.Infrastructure;

namespace Aspire.Deployer.Tests.Images.Infrastructure;

/// <summary>
/// A real registry (the distribution registry v2 from Debian's docker-registry package) on a random loopback port,
/// storage in a temp folder, optionally with htpasswd auth. Missing package: the tests fail (never skip) with the
/// install command.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    /// <summary>The user of a registry started with auth.</summary>
    public const string User = "deployer";

    /// <summary>The password of <see cref="User"/> (a test value; bcrypt hash below made with Python's crypt).</summary>
    public const string Password = "issue5-test-password";

    private const string PasswordHash = "$2b$05$V28l1t/1zgnutdqxT5f7he6CYMcfPZUSRxbZmQnY6yVcTAhNd1iGq";
    private const string Executable = "docker-registry";

    private readonly Process _process;
    private readonly string _directory;
    private readonly ProcessOutput _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private LocalRegistry(Process process, string directory, int port, bool withAuth)
    {
        _process = process;
        _directory = directory;
        Address = $"127.0.0.1:{port}";
        if (withAuth)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        }
    }

    /// <summary>host:port, the value of the pipeline's Registry setting.</summary>
    public string Address { get; }

    /// <summary>Starts a registry; with <paramref name="withAuth"/> it accepts only <see cref="User"/>/<see cref="Password"/>.</summary>
    public static async Task<LocalRegistry> StartAsync(bool withAuth = false)
    {
        var directory = Directory.CreateTempSubdirectory("issue5-registry-").FullName;
        var port = MotoServer.FreePort();
        var config = new StringBuilder()
            .AppendLine("version: 0.1")
            .AppendLine("log:")
            .AppendLine("  level: warn")
            .AppendLine("storage:")
            .AppendLine("  filesystem:")
            .AppendLine($"    rootdirectory: {Path.Combine(directory, "data")}")
            .AppendLine("  delete:")
            .AppendLine("    enabled: true")
            .AppendLine("http:")
            .AppendLine($"  addr: 127.0.0.1:{port}");
        if (withAuth)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "htpasswd"), $"{User}:{PasswordHash}\n");
            config.AppendLine("auth:")
                .AppendLine("  htpasswd:")
                .AppendLine("    realm: issue5")
                .AppendLine($"    path: {Path.Combine(directory, "htpasswd")}");
        }

        var configFile = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(configFile, config.ToString());

        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(configFile);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"'{Executable}' was not found ({ex.Message}): the image pipeline tests need a real registry. Install it with " +
                "`apt-get install -y docker-registry` (scripts/registry-package.sh does this; the tests fail rather than skip" +
                (TestEnvironment.IsCi ? ", and CI=true is set" : string.Empty) + ").", ex);
        }

        var registry = new LocalRegistry(process, directory, port, withAuth);
        process.OutputDataReceived += (_, e) => registry.Append(e.Data);
        process.ErrorDataReceived += (_, e) => registry.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with code {process.ExitCode} before answering:{Environment.NewLine}{registry.Log}");
            }

            try
            {
                using var response = await registry._http.GetAsync(new Uri($"http://{registry.Address}/v2/"));
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return registry;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(50);
        }

        await registry.DisposeAsync();
        throw new TimeoutException($"docker-registry did not answer /v2/ within 20 s:{Environment.NewLine}{registry.Log}");
    }

    /// <summary>The tags of a repository (empty when the repository has never been pushed to).</summary>
    public async Task<IReadOnlyList<string>> TagsAsync(string repository)
    {
        using var response = await _http.GetAsync(new Uri($"http://{Address}/v2/{repository}/tags/list"));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("tags") is { ValueKind: JsonValueKind.Array } tags
            ? [.. tags.EnumerateArray().Select(t => t.GetString()!)]
            : [];
    }

    /// <summary>Every repository in the registry.</summary>
    public async Task<IReadOnlyList<string>> RepositoriesAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://{Address}/v2/_catalog")));
        return [.. document.RootElement.GetProperty("repositories").EnumerateArray().Select(t => t.GetString()!)];
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }

        return ValueTask.CompletedTask;
    }

    private string Log => _log.ToString();

    private void Append(string? line) => _log.Append(line);
}
