using System.Text.RegularExpressions;
using OnedriveOffsite.Engine.Errors;

namespace OnedriveOffsite.Engine.Format;

/// <summary>
/// Backup set names become folder names on every repository (local file systems and OneDrive), so they are kept to
/// letters, digits, '.', '_' and '-', start with a letter or digit, do not end with '.', and are at most 100 long.
/// </summary>
public static partial class SetName
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex Pattern();

    public static string Validate(string? name)
    {
        if (string.IsNullOrEmpty(name) || !Pattern().IsMatch(name) || name.EndsWith('.'))
            throw new OffsiteException(ErrorIds.Snapshots.InvalidSetName, OffsiteErrorCategory.InvalidArgument,
                $"'{name}' is not a valid backup set name: use 1-100 letters, digits, '.', '_' or '-', starting with a letter " +
                "or digit and not ending with '.'.", name);
        return name;
    }
}
