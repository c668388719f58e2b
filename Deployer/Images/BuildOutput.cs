using System.Text.RegularExpressions;

namespace Aspire.Deployer.Images;

/// <summary>
/// Condenses <c>docker build</c> output to one line per build stage, for people: the classic builder's
/// <c>Step 2/14 : FROM ... AS deps</c> and BuildKit's <c>#5 [deps 1/3] FROM ...</c> both start a stage. Everything else
/// (layer ids, cache notes, RUN output) is left out; the last lines of a failed build are in its error anyway.
/// </summary>
/// <param name="emit">Receives each condensed line.</param>
internal sealed partial class BuildOutput(Action<string> emit)
{
    private readonly HashSet<string> _buildKitStages = new(StringComparer.Ordinal);
    private int _classicStages;

    /// <summary>Takes one line of build output; emits a line when it starts a stage.</summary>
    /// <param name="line">The line as docker printed it.</param>
    public void Add(string line)
    {
        if (ClassicStep().Match(line) is { Success: true } classic)
        {
            var instruction = classic.Groups["instruction"].Value.Trim();
            if (instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))
            {
                emit($"stage {++_classicStages}: {instruction}");
            }
        }
        else if (BuildKitStep().Match(line) is { Success: true } buildKit && _buildKitStages.Add(buildKit.Groups["stage"].Value))
        {
            emit($"stage {buildKit.Groups["stage"].Value}: {buildKit.Groups["instruction"].Value.Trim()}");
        }
    }

    [GeneratedRegex(@"^Step \d+/\d+ : (?<instruction>.*)$")]
    private static partial Regex ClassicStep();

    [GeneratedRegex(@"^#\d+ \[(?<stage>[^\s\]]+) \d+/\d+\] (?<instruction>.*)$")]
    private static partial Regex BuildKitStep();
}
