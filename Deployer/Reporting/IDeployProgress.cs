namespace Aspire.Deployer.Reporting;

/// <summary>
/// Where a long deploy step reports what it is doing. Kept deliberately small so a pipeline step's logger
/// or plain console lines can stand behind it.
/// </summary>
public interface IDeployProgress
{
    /// <summary>A new phase begins (e.g. "node-app: build image").</summary>
    /// <param name="title">What the phase does.</param>
    void Step(string title);

    /// <summary>Progress within the current phase.</summary>
    /// <param name="message">The message; never contains secrets.</param>
    void Info(string message);

    /// <summary>Something the user must notice (a skipped check, a setting that was converged).</summary>
    /// <param name="message">The message; never contains secrets.</param>
    void Warn(string message);
}

/// <summary>Reports progress as plain lines, for runs without a terminal and for tests.</summary>
/// <param name="writer">Where lines go; <see cref="Console.Out"/> when null.</param>
public sealed class PlainTextDeployProgress(TextWriter? writer = null) : IDeployProgress
{
    private readonly TextWriter _writer = writer ?? Console.Out;
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public void Step(string title) => Write($"==> {title}");

    /// <inheritdoc />
    public void Info(string message) => Write($"    {message}");

    /// <inheritdoc />
    public void Warn(string message) => Write($"WARNING: {message}");

    private void Write(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }
}
