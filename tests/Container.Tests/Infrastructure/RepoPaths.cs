namespace NodeApp.Container.Tests.Infrastructure;

/// <summary>Locates the repository (the folder holding Aspire.sln) from the test binaries.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>The node-app folder: the Docker build context and home of the Dockerfile.</summary>
    public static string NodeApp => Path.Combine(Root, "node-app");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Aspire.sln not found in any parent of {AppContext.BaseDirectory}: the tests must run inside the repository.");
    }
}
