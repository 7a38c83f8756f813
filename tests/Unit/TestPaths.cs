namespace OnedriveOffsite.Tests;

/// <summary>Locates the repository's own files (test data, docs) from the test binaries' folder.</summary>
public static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Data(params string[] parts) => Path.Combine(new[] { RepositoryRoot, "tests", "data" }.Concat(parts).ToArray());

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnedriveOffsite.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }
}
