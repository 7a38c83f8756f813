using System.Text.RegularExpressions;
using Xunit;

namespace OnedriveOffsite.Tests.Style;

/// <summary>
/// The line-length limit .editorconfig sets for C# (max_line_length) holds in every source file under src/, so
/// that wrapped code cannot regress (editors only show the limit; nothing else enforces it).
/// </summary>
public sealed class SourceLineLengthTests
{
    [Fact]
    public void No_line_in_a_cs_file_under_src_is_longer_than_editorconfig_max_line_length()
    {
        var limit = MaxLineLength();
        var src = Path.Combine(TestPaths.RepositoryRoot, "src");
        var tooLong = new List<string>();
        var checkedFiles = 0;
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(src, file);
            if (IsBuildOutput(relative)) continue;
            checkedFiles++;
            foreach (var (line, number) in File.ReadLines(file).Select((l, i) => (l, i + 1)))
                if (line.Length > limit) tooLong.Add($"src/{relative.Replace('\\', '/')}:{number} ({line.Length} characters)");
        }

        Assert.True(checkedFiles > 100, $"Only {checkedFiles} .cs files found under {src}.");
        Assert.True(tooLong.Count == 0,
            $"{tooLong.Count} line(s) exceed {limit} characters (.editorconfig max_line_length); wrap them readably:\n"
            + string.Join("\n", tooLong));
    }

    private static int MaxLineLength()
    {
        var editorConfig = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, ".editorconfig"));
        var section = Regex.Match(editorConfig, @"^\[\*\.\{[^}]*\bcs\b[^}]*\}\][^\[]*?max_line_length\s*=\s*(\d+)", RegexOptions.Multiline);
        Assert.True(section.Success, ".editorconfig sets no max_line_length for *.cs files.");
        return int.Parse(section.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool IsBuildOutput(string relative) =>
        relative.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin");
}
