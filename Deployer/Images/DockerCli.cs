using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Aspire.Deployer.Images;

/// <summary>The outcome of one CLI run: exit code, stdout, and the last lines of stdout and stderr interleaved.</summary>
internal sealed record CliResult(int ExitCode, string StandardOutput, IReadOnlyList<string> Tail)
{
    public bool Succeeded => ExitCode == 0;

    public string TailText => string.Join(Environment.NewLine, Tail);
}

/// <summary>
/// Runs the docker CLI (or git) as a child process with an argument list, never a shell string, so no value is
/// ever interpreted by a shell. Secrets go in on stdin or as environment variables of the child, never as arguments.
/// </summary>
internal sealed class DockerCli(string? dockerHost = null, string executable = "docker")
{
    private const int TailCapacity = 200;

    public string Executable { get; } = executable;

    /// <summary>Runs the CLI; throws <see cref="Win32Exception"/> when the executable does not exist.</summary>
    public Task<CliResult> RunAsync(
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? onLine = null,
        string? workingDirectory = null) =>
        RunProcessAsync(Executable, arguments, timeout, cancellationToken, standardInput, environment, onLine, workingDirectory);

    public async Task<CliResult> RunProcessAsync(
        string executable,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? standardInput = null,
        IReadOnlyDictionary<string, string>? environment = null,
        Action<string>? onLine = null,
        string? workingDirectory = null)
    {
        var start = StartInfo(executable, arguments, environment, workingDirectory);
        var stdout = new StringBuilder();
        var tail = new Queue<string>();
        void Collect(string? line, bool isStdout)
        {
            if (line is null)
            {
                return;
            }

            lock (tail)
            {
                if (isStdout)
                {
                    stdout.AppendLine(line);
                }

                tail.Enqueue(line);
                if (tail.Count > TailCapacity)
                {
                    tail.Dequeue();
                }
            }

            onLine?.Invoke(line);
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Collect(e.Data, isStdout: true);
        process.ErrorDataReceived += (_, e) => Collect(e.Data, isStdout: false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WriteInputAsync(process, standardInput, cancellationToken).ConfigureAwait(false);

        await WaitForExitAsync(process, timeout, cancellationToken).ConfigureAwait(false);

        // Drain the asynchronous readers (WaitForExit without a timeout waits for them).
        process.WaitForExit();
        lock (tail)
        {
            return new CliResult(process.ExitCode, stdout.ToString(), tail.ToArray());
        }
    }

    private ProcessStartInfo StartInfo(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (dockerHost is not null)
        {
            start.Environment["DOCKER_HOST"] = dockerHost;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static async Task WriteInputAsync(Process process, string? standardInput, CancellationToken cancellationToken)
    {
        try
        {
            if (standardInput is not null)
            {
                await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the process exited before reading its input; its exit code tells why
        }
    }

    // Waits within the timeout; a process that overruns it (or is cancelled) is killed with its children.
    private static async Task WaitForExitAsync(Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{process.StartInfo.FileName} {FirstArguments(process.StartInfo)}' did not finish within {timeout}.");
        }
    }

    private static string FirstArguments(ProcessStartInfo start) => string.Join(' ', start.ArgumentList.Take(2));

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
