using System.Reflection;
using System.Text.RegularExpressions;
using OnedriveOffsite.Engine.Errors;
using Xunit;

namespace OnedriveOffsite.Tests.Errors;

/// <summary>
/// The error catalog (classes marked [ErrorCatalog]) against the docs and the code. Ids raised with a plain string
/// literal that is not in the catalog yet are tolerated (they are adopted into the catalog later); a catalogued id
/// written as a literal again, or catalogued twice, is not.
/// </summary>
public sealed class ErrorCatalogTests
{
    private static readonly IReadOnlyList<(string Id, string Field, IReadOnlyList<string> RaisedBy)> Catalog =
        typeof(OffsiteException).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<ErrorCatalogAttribute>() is not null)
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => ((string)f.GetRawConstantValue()!, $"{t.Name}.{f.Name}",
                    f.GetCustomAttribute<RaisedByAttribute>()?.Cmdlets ?? (IReadOnlyList<string>)[])))
            .ToList();

    [Fact]
    public void Catalog_defines_every_id_once()
    {
        Assert.True(Catalog.Count >= 80, $"only {Catalog.Count} ids found: is the [ErrorCatalog] attribute missing?");
        var twice = Catalog.GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} ({string.Join(", ", g.Select(e => e.Field))})");
        Assert.Empty(twice);
    }

    [Fact]
    public void Every_catalogued_id_is_listed_in_the_README_Errors_section()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var start = readme.IndexOf("### Errors", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '### Errors' section");
        var end = readme.IndexOf("\n## ", start, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];
        Assert.Empty(Catalog.Where(e => !Mentions(section, e.Id)).Select(e => e.Id));
    }

    [Fact]
    public void Every_catalogued_id_is_in_the_help_of_each_cmdlet_that_can_raise_it()
    {
        var helpDir = Path.Combine(TestPaths.RepositoryRoot, "docs", "help");
        var missing = new List<string>();
        foreach (var (id, _, cmdlets) in Catalog)
        {
            foreach (var cmdlet in cmdlets)
            {
                var path = Path.Combine(helpDir, cmdlet + ".md");
                if (!File.Exists(path)) missing.Add($"{id}: no help file {cmdlet}.md");
                else if (!Mentions(File.ReadAllText(path), id)) missing.Add($"{id} is not in {cmdlet}.md");
            }
        }
        Assert.Empty(missing);
    }

    [Fact]
    public void Catalogued_ids_are_raised_through_the_catalog_not_as_string_literals()
    {
        var src = Path.Combine(TestPaths.RepositoryRoot, "src");
        var ids = Catalog.Select(e => e.Id).ToHashSet();
        var literal = new Regex("\"([A-Z][A-Za-z]+)\"");
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                || Path.GetFileName(file) == "ErrorIds.cs") continue;
            foreach (var (line, number) in File.ReadLines(file).Select((l, i) => (l, i + 1)))
            {
                if (line.TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
                foreach (Match m in literal.Matches(line))
                    if (ids.Contains(m.Groups[1].Value)) found.Add($"{Path.GetRelativePath(src, file)}:{number} \"{m.Groups[1].Value}\"");
            }
        }
        Assert.Empty(found);
    }

    private static bool Mentions(string text, string id) => Regex.IsMatch(text, $@"\b{Regex.Escape(id)}\b");
}
