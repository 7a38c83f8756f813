using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Creates the 256-bit encryption key, or imports a saved copy of one.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "OffsiteKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OffsiteKeyInfo))]
public sealed class NewOffsiteKeyCommand : OffsiteCmdlet
{
    /// <summary>Replace an existing key (the old key file is kept under a dated name).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Import a key from its text form (OOK2-…, or OOK1-… from older versions), e.g. from your safe copy after a disaster.</summary>
    [Parameter]
    public SecureString? FromText { get; set; }

    protected override void EndProcessing()
    {
        var store = new KeyStore(Home);
        try
        {
            store.EnsureWritable(Force);
            var key = FromText is null ? MasterKey.Generate() : MasterKey.Parse(Reveal(FromText));
            if (!ShouldProcess(store.KeyPath, FromText is null ? "Create encryption key" : $"Import encryption key {key.KeyId}")) return;
            var saved = store.Save(key, Force);
            if (saved.PreviousKeyPath is not null) WriteWarning($"The previous key was kept as '{saved.PreviousKeyPath}': snapshots made with it still need it.");
            WriteWarning($"Keep a copy of this key somewhere safe and offline (password manager, printout): without it no backup can be restored. " +
                $"Its text form is in '{saved.Path}' (owner-only); key id {saved.KeyId}.");
            WriteObject(new OffsiteKeyInfo { KeyId = saved.KeyId, Path = saved.Path, PreviousKeyPath = saved.PreviousKeyPath });
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, store.KeyPath);
        }
    }

    private static string Reveal(SecureString secure)
    {
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try { return Marshal.PtrToStringUni(ptr) ?? string.Empty; }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
    }
}
