using System.Text.RegularExpressions;
using Aspire.Deployer.Resources;
using Aspire.Deployer.Tests.Images.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Aspire.Deployer.Tests.Structure;

/// <summary>
/// The Deployer's shape stays what its README promises: short files and methods, one file per resource kind, every
/// folder on the README's map. Generated clients (<c>*.g.cs</c>) are exempt: they are written by the generator.
/// </summary>
public sealed partial class CodeShapeTests
{
    private const int MaxFileLines = 400;
    private const int MaxMethodLines = 60;

    private static readonly string DeployerRoot = Path.Combine(TestEnvironment.RepoRoot, "Deployer");

    private static IEnumerable<string> HandWrittenSources() =>
        Directory.EnumerateFiles(DeployerRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".g.cs", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [Fact]
    public void HandWrittenFiles_AreAtMost400Lines()
    {
        var sources = HandWrittenSources().ToList();
        Assert.NotEmpty(sources);
        var tooLong = sources
            .Select(f => (File: Path.GetRelativePath(DeployerRoot, f), Lines: File.ReadAllLines(f).Length))
            .Where(f => f.Lines > MaxFileLines)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, "Split these files: " + string.Join("; ", tooLong));
    }

    [Fact]
    public void Methods_AreAtMost60Lines()
    {
        var tooLong = new List<string>();
        var methods = 0;
        foreach (var file in HandWrittenSources())
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (var member in root.DescendantNodes().Where(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax))
            {
                methods++;
                var span = member.GetLocation().GetLineSpan();
                var lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
                if (lines > MaxMethodLines)
                {
                    tooLong.Add($"{Path.GetRelativePath(DeployerRoot, file)}:{span.StartLinePosition.Line + 1} {Name(member)}: {lines} lines");
                }
            }
        }

        Assert.True(methods > 100, $"only {methods} methods were found: the parse went wrong");
        Assert.True(tooLong.Count == 0, "Shorten these methods: " + string.Join("; ", tooLong));
    }

    [Fact]
    public void Registry_HasOneKindPerFileUnderResources_WithDistinctNames()
    {
        var kinds = Registry.Kinds;
        Assert.Equal(kinds.Count, kinds.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(kinds.Count, kinds.Select(k => k.Label).Distinct(StringComparer.Ordinal).Count());
        var resources = Path.Combine(DeployerRoot, "Resources");
        foreach (var kind in kinds)
        {
            var type = kind.GetType().Name;
            var declared = Directory.EnumerateFiles(resources, "*.cs", SearchOption.AllDirectories)
                .Where(f => File.ReadAllText(f).Contains($"sealed class {type} ", StringComparison.Ordinal)
                    || File.ReadAllText(f).Contains($"sealed partial class {type} ", StringComparison.Ordinal))
                .ToList();
            Assert.True(declared.Count >= 1, $"{type} is not declared under Deployer/Resources");
            Assert.All(declared, f => Assert.StartsWith(kind.Name, Path.GetFileNameWithoutExtension(f).Replace("Kind", "", StringComparison.Ordinal), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ReadMe_NamesEveryFolderAndEveryFileItPointsTo()
    {
        var readme = File.ReadAllText(Path.Combine(DeployerRoot, "README.md"));
        var folders = Directory.EnumerateDirectories(DeployerRoot)
            .Select(Path.GetFileName)
            .Where(d => d is not ("bin" or "obj" or "tools"))
            .ToList();
        Assert.All(folders, folder => Assert.Contains($"`{folder}/`", readme, StringComparison.Ordinal));
        foreach (Match reference in FileReference().Matches(readme))
        {
            var path = Path.Combine(DeployerRoot, reference.Groups[1].Value);
            Assert.True(File.Exists(path) || Directory.Exists(path), $"Deployer/README.md names {reference.Groups[1].Value}, which does not exist");
        }
    }

    private static string Name(SyntaxNode member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => c.Identifier.Text + " (constructor)",
        LocalFunctionStatementSyntax l => l.Identifier.Text,
        AccessorDeclarationSyntax a => a.Keyword.Text + " accessor",
        _ => member.Kind().ToString(),
    };

    // `Resources/LogGroup.cs`, `Engine/`, `Aws/README.md`: paths relative to Deployer/ in backticks.
    [GeneratedRegex(@"`((?:Hosting|Settings|Model|Images|Network|Engine|Resources|Verbs|Aws|Reporting|Cost|Timing|Diagnosis)/[A-Za-z0-9_./]*)`")]
    private static partial Regex FileReference();
}
