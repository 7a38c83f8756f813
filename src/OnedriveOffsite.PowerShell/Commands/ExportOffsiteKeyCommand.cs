using System.Management.Automation;
using System.Security;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Exports the stored key's text form for an offline copy: to a new owner-only file, or as a SecureString.</para>
/// </summary>
[Cmdlet(VerbsData.Export, "OffsiteKey", SupportsShouldProcess = true, DefaultParameterSetName = FileSet)]
[OutputType(typeof(OffsiteKeyInfo), ParameterSetName = [FileSet])]
[OutputType(typeof(SecureString), ParameterSetName = [SecureStringSet])]
public sealed class ExportOffsiteKeyCommand : OffsiteCmdlet
{
    private const string FileSet = "File";
    private const string SecureStringSet = "SecureString";

    /// <summary>The file to write the key's text form to (created owner-only; an existing file is kept unless -Force).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = FileSet)]
    public string Path { get; set; } = "";

    /// <summary>Replace an existing file at -Path.</summary>
    [Parameter(ParameterSetName = FileSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the text form as a SecureString instead of writing a file.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SecureStringSet)]
    public SwitchParameter AsSecureString { get; set; }

    protected override void EndProcessing()
    {
        var store = new KeyStore(Home);
        try
        {
            if (AsSecureString)
            {
                WriteObject(ToSecureString(store.Load().ToText()));
                return;
            }
            var target = GetUnresolvedProviderPathFromPSPath(Path);
            if (!ShouldProcess(target, "Write the encryption key's text form")) return;
            var keyId = store.Export(target, Force);
            WriteObject(new OffsiteKeyInfo { KeyId = keyId, Path = target });
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, store.KeyPath);
        }
    }

    private static SecureString ToSecureString(string text)
    {
        var secure = new SecureString();
        foreach (var c in text) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }
}
