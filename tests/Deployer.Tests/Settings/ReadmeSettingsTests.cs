using System.Text.RegularExpressions;
using Aspire.Deployer.Tests.Images.Infrastructure;

namespace Aspire.Deployer.Tests.Settings;

/// <summary>The README's settings table and <see cref="AwsSettings"/> list the same keys: none documented and missing, none there and undocumented.</summary>
public sealed partial class ReadmeSettingsTests
{
    [Fact]
    public void ReadmeSettingsTable_ListsExactlyTheKeysOfAwsSettings()
    {
        var documented = ReadmeKeys(out _);

        Assert.Empty(AwsSettings.Keys.Except(documented));
        Assert.Empty(documented.Except(AwsSettings.Keys));
    }

    [Fact]
    public void ReadmeSettingsTable_GivesTheDefaultAppNameOfTheRecord()
    {
        ReadmeKeys(out var defaults);

        Assert.Equal($"`{AwsSettings.DefaultAppName}`", defaults["Aws:AppName"]);
    }

    // Every key of the table's first column, and the default given for each full key.
    private static HashSet<string> ReadmeKeys(out Dictionary<string, string> defaults)
    {
        var readme = File.ReadAllLines(Path.Combine(TestEnvironment.RepoRoot, "README.md"));
        var header = Array.FindIndex(readme, l => l.StartsWith("| Setting (", StringComparison.Ordinal));
        Assert.True(header >= 0, "README.md has no settings table (a row starting with '| Setting (').");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in readme.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            string? prefix = null;
            foreach (Match token in Code().Matches(cells[1]))
            {
                var text = token.Groups[1].Value;
                if (text.StartsWith("Aws:", StringComparison.Ordinal))
                {
                    // `:Y` continues a row's first key after its placeholder (`<resource>`), else after its last part.
                    var placeholder = text.IndexOf('>', StringComparison.Ordinal);
                    prefix ??= placeholder > 0 ? text[..(placeholder + 1)] : text[..text.LastIndexOf(':')];
                    keys.Add(text);
                    defaults[text] = cells[2];
                }
                else if (text.StartsWith(':') && prefix is not null)
                {
                    keys.Add(prefix + text);
                }
            }
        }

        return keys;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();
}
