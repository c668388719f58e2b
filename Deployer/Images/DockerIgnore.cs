using System.Text;
using System.Text.RegularExpressions;

namespace Aspire.Deployer.Images;

/// <summary>
/// The build context's <c>.dockerignore</c>, matched the way Docker matches it (moby/patternmatcher): patterns in
/// order, the last match wins, <c>!</c> re-includes, a pattern matching a parent folder matches everything in it,
/// <c>*</c> and <c>?</c> stop at <c>/</c>, <c>**</c> spans folders. Used to hash exactly the files the build sees.
/// </summary>
internal sealed class DockerIgnore
{
    private readonly IReadOnlyList<(Regex Pattern, string Text, bool Exclusion)> _patterns;

    private DockerIgnore(IReadOnlyList<(Regex, string, bool)> patterns) => _patterns = patterns;

    public static DockerIgnore Empty { get; } = new([]);

    public bool HasExclusions => _patterns.Any(p => p.Exclusion);

    public static DockerIgnore Load(string contextPath)
    {
        var file = Path.Combine(contextPath, ".dockerignore");
        return File.Exists(file) ? Parse(File.ReadAllLines(file)) : Empty;
    }

    public static DockerIgnore Parse(IEnumerable<string> lines)
    {
        var patterns = new List<(Regex, string, bool)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exclusion = line.StartsWith('!');
            if (exclusion)
            {
                line = line[1..].Trim();
            }

            line = Clean(line);
            if (line.Length > 1 && line.StartsWith('/'))
            {
                line = line[1..];
            }

            if (line.Length == 0)
            {
                continue;
            }

            patterns.Add((new Regex(ToRegex(line), RegexOptions.CultureInvariant), line, exclusion));
        }

        return new DockerIgnore(patterns);
    }

    /// <summary>True when the path (relative, with '/') is left out of the build context.</summary>
    public bool IsExcluded(string relativePath)
    {
        var parents = relativePath.Split('/');
        var matched = false;
        foreach (var (pattern, _, exclusion) in _patterns)
        {
            if (exclusion != matched)
            {
                continue;
            }

            var match = pattern.IsMatch(relativePath);
            for (var i = 1; !match && i < parents.Length; i++)
            {
                match = pattern.IsMatch(string.Join('/', parents[..i]));
            }

            if (match)
            {
                matched = !exclusion;
            }
        }

        return matched;
    }

    /// <summary>Docker skips an excluded folder unless a '!' pattern could re-include something inside it.</summary>
    public bool CanSkipExcludedDirectory(string relativeDirectory)
    {
        var prefix = relativeDirectory + "/";
        return !_patterns.Any(p => p.Exclusion && (p.Text + "/").StartsWith(prefix, StringComparison.Ordinal));
    }

    private static string Clean(string path)
    {
        var rooted = path.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (!(part == ".." && rooted))
            {
                parts.Add(part);
            }
        }

        var cleaned = string.Join('/', parts);
        return rooted ? "/" + cleaned : cleaned.Length == 0 ? "." : cleaned;
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (inClass)
            {
                // Inside [...] the text is a regex character class already ([a-z], [^abc], [!abc] as Go writes it).
                if (ch == ']')
                {
                    inClass = false;
                }

                regex.Append(ch == '!' && pattern[i - 1] == '[' ? '^' : ch);
                continue;
            }

            switch (ch)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                    }

                    regex.Append(i + 1 >= pattern.Length ? ".*" : "(.*/)?");
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '\\' when i + 1 < pattern.Length:
                    i++;
                    regex.Append(Regex.Escape(pattern[i].ToString()));
                    break;
                case '[':
                    inClass = true;
                    regex.Append(ch);
                    break;
                default:
                    regex.Append(Regex.Escape(ch.ToString()));
                    break;
            }
        }

        return regex.Append('$').ToString();
    }
}
