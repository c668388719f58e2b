using System.Diagnostics;
using System.Text.RegularExpressions;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Xunit.Abstractions;

namespace Aspire.Deployer.Tests.Hosting;

/// <summary>What a command printed (stdout and stderr, as lines, colours removed) and how it exited.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Lines">Every line it printed.</param>
public sealed record CommandResult(int ExitCode, IReadOnlyList<string> Lines)
{
    /// <summary>How many lines contain <paramref name="text"/>.</summary>
    public int LinesWith(string text) => Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Lines that are stack trace frames or logger headers (<c>info: Category[0]</c>): neither may be printed.</summary>
    public IReadOnlyList<string> StackFrames => [.. Lines.Where(l => l.StartsWith("   at ", StringComparison.Ordinal) || l.Contains("--- End of stack trace", StringComparison.Ordinal))];

    /// <summary>Lines with a logger category header such as <c>info: Aspire.Hosting.Publishing.PipelineExecutor[0]</c>.</summary>
    public IReadOnlyList<string> CategoryHeaders => [.. Lines.Where(l => CommandLine.CategoryHeader().IsMatch(l))];
}

/// <summary>Runs the real commands a user types (<c>dotnet run --project AppHost ...</c>, <c>dotnet aspire ...</c>) from the repository root.</summary>
public static partial class CommandLine
{
    /// <summary>The build configuration this test assembly was built in; the AppHost is run from the same build.</summary>
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The standard AWS variables pointing at <paramref name="endpoint"/> with test credentials, and no telemetry prompts.</summary>
    public static Dictionary<string, string?> AwsEnvironment(Uri endpoint) => new()
    {
        ["AWS_ENDPOINT_URL"] = endpoint.ToString().TrimEnd('/'),
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_REGION"] = "us-east-1",
        ["ASPIRE_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["ASPIRE_ENABLE_CONTAINER_TUNNEL"] = "false",
    };

    /// <summary>
    /// <c>dotnet run --project AppHost --no-build -- --operation publish --step STEP ARGS</c>, as the README shows it
    /// (the AppHost must be built in <see cref="Configuration"/>, which the test command does).
    /// </summary>
    public static Task<CommandResult> PublishStepAsync(string step, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, ITestOutputHelper output) =>
        PublishStepAsync("AppHost", step, arguments, environment, timeout, output);

    /// <summary>The same for another AppHost of the repository, e.g. <c>tests/apphosts/WholeModelAppHost</c>.</summary>
    public static Task<CommandResult> PublishStepAsync(string project, string step, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, ITestOutputHelper output)
    {
        var appHost = Path.Combine(TestEnvironment.RepoRoot, project, "bin", Configuration, "net10.0", Path.GetFileName(project) + ".dll");
        Assert.True(File.Exists(appHost), $"{appHost} does not exist: build the solution ({Configuration}) first, as scripts/test.sh does.");
        return RunAsync("dotnet", ["run", "--project", project, "--no-build", "-c", Configuration, "--", "--operation", "publish", "--step", step, .. arguments],
            environment, timeout, output);
    }

    /// <summary>Runs a command in the repository root with extra environment variables (null removes one); kills it after the timeout.</summary>
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, ITestOutputHelper output)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = TestEnvironment.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var lines = new List<string>();
        void Add(string? line)
        {
            if (line is not null)
            {
                lock (lines)
                {
                    lines.Add(Ansi().Replace(line, string.Empty));
                }
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            Assert.Fail($"'{file} {string.Join(' ', start.ArgumentList)}' did not finish within {timeout}. It printed:\n{string.Join('\n', lines)}");
        }

        process.WaitForExit();
        lock (lines)
        {
            output.WriteLine($"$ {file} {string.Join(' ', start.ArgumentList)}  (exit {process.ExitCode})");
            foreach (var line in lines)
            {
                output.WriteLine(line);
            }

            return new CommandResult(process.ExitCode, [.. lines]);
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x1b\a]*(\x1b\\|\a)")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"^(trce|dbug|info|warn|fail|crit): \S+\[\d+\]")]
    internal static partial Regex CategoryHeader();
}

/// <summary>
/// A command running in its own process group (started through <c>setsid</c>), as a terminal runs it in the
/// foreground: the test reads its lines while it runs and can press Ctrl+C (SIGINT to the whole group, as a terminal
/// sends it to <c>dotnet run</c> and the AppHost it starts).
/// </summary>
public sealed class RunningCommand : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];

    private RunningCommand(Process process) => _process = process;

    /// <summary>Every line printed so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Starts <c>dotnet run --project AppHost --no-build -- --operation publish --step STEP ARGS</c> in its own process group.</summary>
    public static RunningCommand StartPublishStep(string step, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("setsid") { WorkingDirectory = TestEnvironment.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["dotnet", "run", "--project", "AppHost", "--no-build", "-c", CommandLine.Configuration, "--", "--operation", "publish", "--step", step, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var command = new RunningCommand(new Process { StartInfo = start });
        command._process.OutputDataReceived += (_, e) => command.Add(e.Data);
        command._process.ErrorDataReceived += (_, e) => command.Add(e.Data);
        command._process.Start();
        command._process.StandardInput.Close();
        command._process.BeginOutputReadLine();
        command._process.BeginErrorReadLine();
        return command;
    }

    /// <summary>Waits until a line matches, failing with everything printed when none does within <paramref name="timeout"/>.</summary>
    public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Lines.Any(match))
        {
            Assert.True(DateTime.UtcNow < deadline && !_process.HasExited, $"no such line within {timeout} (exited: {_process.HasExited}). It printed:\n{string.Join('\n', Lines)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Ctrl+C: SIGINT to the command's process group.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", "--", $"-{_process.Id}"]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Waits for the exit and returns the exit code; kills the group and fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Dispose();
            Assert.Fail($"the command did not exit within {timeout} after Ctrl+C. It printed:\n{string.Join('\n', Lines)}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills what is left of the process group.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-KILL", "--", $"-{_process.Id}"]) { UseShellExecute = false })!;
            kill.WaitForExit();
        }

        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }
}
