using System.Text;

namespace Aspire.Deployer.Tests.Infrastructure;

/// <summary>
/// What a background server (moto, docker-registry) printed, kept thread-safe and bounded so a chatty process
/// cannot grow the test's memory; shown in the error when the server fails to start.
/// </summary>
public sealed class ProcessOutput
{
    private const int MaxChars = 20_000;
    private readonly StringBuilder _text = new();

    /// <summary>Adds a line (a null, from a closed stream, is ignored).</summary>
    public void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_text)
        {
            if (_text.Length < MaxChars)
            {
                _text.AppendLine(line);
            }
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
