using System.Management.Automation;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Dedup;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Format;
using OnedriveOffsite.Engine.Locking;
using OnedriveOffsite.Engine.Repositories;
using OnedriveOffsite.Completion;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Frees the space removed snapshots left inside format 2 packs: rewrites the packs that are mostly unused and
/// merges each set's index files into one.</para>
/// </summary>
[Cmdlet(VerbsCommon.Optimize, "OffsiteRepository", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OffsiteOptimizeResult))]
public sealed class OptimizeOffsiteRepositoryCommand : OffsiteCmdlet
{
    private readonly HashSet<string> _done = new(StringComparer.OrdinalIgnoreCase);
    private MasterKey? _key;

    /// <summary>The backup sets to optimize; wildcards allowed (* for every set).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SetNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>A local directory, or onedrive: / onedrive:/sub/path.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RepositoryCompleter))]
    public string? Repository { get; set; }

    /// <summary>Rewrite a pack when more than this percentage of its bytes is no longer needed (default 10).</summary>
    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double MaxUnusedPercent { get; set; } = PackRepacker.DefaultMaxUnusedPercent;

    /// <summary>When a backup holds the set's lock, wait for it to finish instead of failing with SetLocked.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        ISnapshotRepository repository;
        IReadOnlyList<string> existing;
        var root = RepositoryParameter.Resolve(this, Repository);
        try
        {
            repository = OpenRepository(Repository);
            existing = RunEngine((_, ct) => repository.ListSetsAsync(ct));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            WriteOffsiteError(ex, string.Join(", ", Name));
            return;
        }
        foreach (var set in MatchingSets(existing, repository.Description))
        {
            // Piped snapshots name their set once each: a set is optimized once per command.
            if (!_done.Add(root + "|" + set)) continue;
            try
            {
                if (Optimize(repository, set, root) is { } result) WriteObject(result);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                WriteOffsiteError(ex, set);
            }
        }
    }

    /// <summary>
    /// The sets the -Name values select: a name without wildcards must exist (else SetNotFound), a pattern may match none.
    /// </summary>
    private IEnumerable<string> MatchingSets(IReadOnlyList<string> existing, string where)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in Name)
        {
            try
            {
                if (WildcardPattern.ContainsWildcardCharacters(name))
                {
                    var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                    var matches = existing.Where(pattern.IsMatch).ToList();
                    if (matches.Count == 0) WriteVerbose($"No set of {where} matches '{name}'.");
                    found.UnionWith(matches);
                    continue;
                }
                SetName.Validate(name);
                found.Add(existing.FirstOrDefault(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase))
                    ?? throw new OffsiteException("SetNotFound", OffsiteErrorCategory.ObjectNotFound,
                        $"The repository {where} has no set '{name}'. Get-OffsiteBackup lists the sets there.", name));
            }
            catch (OffsiteException ex)
            {
                WriteOffsiteError(ex, name);
            }
        }
        return found;
    }

    private OffsiteOptimizeResult? Optimize(ISnapshotRepository repository, string set, string root)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (!RunEngine((_, ct) => PackRepacker.HoldsFormat2DataAsync(repository, set, ct)))
        {
            WriteVerbose($"Set '{set}' holds no format 2 data (its snapshots are full copies, which share no packs): nothing to optimize.");
            return WhatIfRequested ? null
                : new OffsiteOptimizeResult
                {
                    Name = set, Format = 1, Repository = root, Note = "nothing to do (format 1)", Duration = clock.Elapsed,
                };
        }
        _key ??= new KeyStore(Home).Load();
        var key = _key;
        var setLock = RunEngine((o, ct) =>
            RepositoryLock.AcquireAsync(repository, set, "optimize", new LockOptions { Wait = Wait }, Observer, ct));
        try
        {
            using var plan = RunEngine((_, ct) => PackRepacker.PlanAsync(repository, key, set, MaxUnusedPercent, ct));
            if (plan is null || !plan.HasWork)
            {
                var before = plan?.StoredBytesBefore ?? 0;
                WriteVerbose($"Set '{set}': every pack is needed and at most {MaxUnusedPercent:0.##}% unused, and its index is one " +
                    "file: nothing to do.");
                return WhatIfRequested ? null : new OffsiteOptimizeResult
                {
                    Name = set, Format = 2, Repository = root, StoredSizeBefore = before, StoredSizeAfter = before, Note = "nothing to do",
                    Duration = clock.Elapsed,
                };
            }
            var what = plan.Describe(Sizes.Format);
            if (!ShouldProcess(what, "Optimize")) return null;
            WriteVerbose($"Optimizing {what}.");
            var result = RunEngine((o, ct) => PackRepacker.ApplyAsync(repository, key, plan, setLock, o, ct));
            WriteVerbose(
                $"Set '{set}': {result.PacksRewritten} pack(s) rewritten into {result.PacksWritten} new one(s) " +
                $"({result.ChunksMoved} chunk(s) moved), " +
                $"{result.PacksDeleted} pack(s) deleted, {result.IndexFilesReplaced} index file(s) replaced by one; " +
                $"{Sizes.Format(result.StoredBytesBefore)} before, {Sizes.Format(result.StoredBytesAfter)} after " +
                $"({Sizes.Format(result.BytesFreed)} freed).");
            return new OffsiteOptimizeResult
            {
                Name = set, Format = 2, Repository = root, PacksRewritten = result.PacksRewritten, PacksWritten = result.PacksWritten,
                PacksDeleted = result.PacksDeleted, ChunksMoved = result.ChunksMoved, IndexFilesReplaced = result.IndexFilesReplaced,
                StoredSizeBefore = result.StoredBytesBefore, StoredSizeAfter = result.StoredBytesAfter, Duration = clock.Elapsed,
            };
        }
        finally
        {
            RunEngine((_, _) => setLock.DisposeAsync().AsTask());
        }
    }

    private bool WhatIfRequested => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w)
        ? w is SwitchParameter { IsPresent: true }
        : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
}
