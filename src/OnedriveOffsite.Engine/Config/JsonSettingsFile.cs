using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.IO;

namespace OnedriveOffsite.Engine.Config;

/// <summary>
/// Read, parse and owner-only atomic write of the JSON settings files in the config home (app settings, connection
/// record, notification settings). Each store keeps its own error: <see cref="TryRead{T}"/> hands a parse failure to
/// the store, which turns it into its own id and message.
/// </summary>
internal static class JsonSettingsFile
{
    /// <summary>Indented camelCase, nulls left out, enums by name.</summary>
    public static JsonSerializerOptions CreateOptions(JavaScriptEncoder? encoder = null) => new()
    {
        WriteIndented = true,
        Encoder = encoder,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>
    /// False when the file (or its folder) does not exist. Otherwise <paramref name="value"/> is the parsed content
    /// (null for a file that holds the JSON literal <c>null</c>); a file that does not parse throws what
    /// <paramref name="invalid"/> makes of the parser's exception.
    /// </summary>
    public static bool TryRead<T>(string path, JsonSerializerOptions options, Func<Exception, OffsiteException> invalid, out T? value)
        where T : class
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            value = null;
            return false;
        }
        try { value = JsonSerializer.Deserialize<T>(text, options); }
        catch (Exception ex) when (ex is JsonException or NotSupportedException) { throw invalid(ex); }
        return true;
    }

    /// <summary>
    /// Replaces the file atomically, owner-only: these files hold no secret, but the config home is private and nobody
    /// else should read or edit it.
    /// </summary>
    public static void Write<T>(string path, T value, JsonSerializerOptions options) =>
        OwnerOnlyFile.WriteAllText(path, JsonSerializer.Serialize(value, options));
}
