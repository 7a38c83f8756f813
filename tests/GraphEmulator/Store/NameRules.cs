namespace OnedriveOffsite.GraphEmulator.Store;

/// <summary>OneDrive's item name rules (docs/ONEDRIVE.md): no <c>" * : &lt; &gt; ? / \ |</c>, no trailing dot or space, not empty.</summary>
internal static class NameRules
{
    private static readonly char[] Forbidden = ['"', '*', ':', '<', '>', '?', '/', '\\', '|'];

    /// <summary>Null when valid, else why not.</summary>
    public static string? Validate(string name)
    {
        if (string.IsNullOrEmpty(name)) return "The name is empty.";
        if (name.IndexOfAny(Forbidden) >= 0) return $"The name '{name}' contains a character OneDrive does not allow.";
        if (name.EndsWith('.') || name.EndsWith(' ')) return $"The name '{name}' ends with a dot or a space.";
        if (name.Any(char.IsControl)) return $"The name contains a control character.";
        if (name.Length > 255) return "The name is longer than 255 characters.";
        return null;
    }
}
