using System.Globalization;
using Aspire.Deployer.Aws;
using Aspire.Deployer.Engine;
using Aspire.Deployer.Model;
using R53 = Aspire.Deployer.Aws.Route53;

namespace Aspire.Deployer.Resources;

/// <summary>
/// Route 53 record sets as the DNS record and certificate kinds write them: always UPSERT (a CREATE of a name that
/// exists fails on AWS and duplicates on moto), deleted with the exact record as read (AWS refuses a DELETE whose
/// values differ), changes waited for until INSYNC within a bound, and zones found by name.
/// </summary>
public static class Route53Records
{
    /// <summary>A name as Route 53 lists it: lowercase with the trailing dot.</summary>
    /// <param name="name">A DNS name with or without the trailing dot.</param>
    public static string Fqdn(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.TrimEnd('.').ToLowerInvariant() + ".";
    }

    /// <summary>True when two DNS names are the same (case and trailing dot aside).</summary>
    /// <param name="a">A name.</param>
    /// <param name="b">Another.</param>
    public static bool SameName(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);

    /// <summary>Every record set of a zone, page by page.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="zoneId">The zone.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public static async Task<List<R53.ResourceRecordSet>> ListAsync(AwsSession session, string zoneId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return await session.Route53.ListResourceRecordSetsItemsAsync(new R53.ListResourceRecordSetsRequest { HostedZoneId = zoneId, MaxItems = "300" }, cancellationToken)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes record sets (UPSERT, one batch); returns the change id.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="zoneId">The zone.</param>
    /// <param name="records">The record sets.</param>
    /// <param name="comment">Why (shown in Route 53's change history).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<string> UpsertAsync(AwsSession session, string zoneId, IReadOnlyList<R53.ResourceRecordSet> records, string comment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var response = await session.Route53.ChangeResourceRecordSetsAsync(new R53.ChangeResourceRecordSetsRequest
        {
            HostedZoneId = zoneId,
            ChangeBatch = new R53.ChangeBatch { Comment = comment, Changes = [.. records.Select(r => new R53.Change { Action = R53.ChangeAction.Upsert, ResourceRecordSet = r })] },
        }, cancellationToken).ConfigureAwait(false);
        return response.ChangeInfo.Id;
    }

    /// <summary>Deletes the record set of this name and type as it is now (read first, so the values match); gone counts as done.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="zoneId">The zone.</param>
    /// <param name="name">The record name.</param>
    /// <param name="type">The record type.</param>
    /// <param name="keep">True for a record that must stay (it is not what this deploy wrote): it is then not deleted.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>True when a record was deleted.</returns>
    public static async Task<bool> DeleteAsync(AwsSession session, string zoneId, string name, string type, Func<R53.ResourceRecordSet, bool> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(keep);
        var page = await session.Route53.ListResourceRecordSetsAsync(new R53.ListResourceRecordSetsRequest
        {
            HostedZoneId = zoneId, StartRecordName = Fqdn(name), StartRecordType = type, MaxItems = "1",
        }, cancellationToken).ConfigureAwait(false);
        var record = (page.ResourceRecordSets ?? []).FirstOrDefault(r => SameName(r.Name, name) && r.Type == type);
        if (record is null || keep(record))
        {
            return false;
        }

        try
        {
            await session.Route53.ChangeResourceRecordSetsAsync(new R53.ChangeResourceRecordSetsRequest
            {
                HostedZoneId = zoneId,
                ChangeBatch = new R53.ChangeBatch { Comment = "aspire-ecs-deployer", Changes = [new R53.Change { Action = R53.ChangeAction.Delete, ResourceRecordSet = Clean(record) }] },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AwsApiException e) when (e.ErrorCode == "InvalidChangeBatch" && e.AwsMessage.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            return false; // deleted since it was read
        }
    }

    /// <summary>Waits until a change is INSYNC (on every Route 53 name server), polling every <paramref name="poll"/>.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="changeId">The change (<c>/change/C...</c>).</param>
    /// <param name="what">What changed, for the messages.</param>
    /// <param name="timeout">The bound.</param>
    /// <param name="poll">Time between checks.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static Task WaitInSyncAsync(AwsSession session, string changeId, string what, TimeSpan timeout, TimeSpan poll, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Converge.WaitUntilAsync(
            async () => (await session.Route53.GetChangeAsync(new R53.GetChangeRequest { Id = changeId }, cancellationToken).ConfigureAwait(false)).ChangeInfo.Status == R53.ChangeStatus.Insync,
            timeout, poll,
            () => new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Route 53 had not applied {what} (change {changeId}) on all its name servers after {timeout.TotalMinutes:0.#} min; it usually takes under a minute. Deploy again: the records are written again and waited for.")),
            cancellationToken);
    }

    /// <summary>The public zone whose name is the closest to <paramref name="host"/> (most specific first), or null.</summary>
    /// <param name="session">The AWS session.</param>
    /// <param name="host">A host name.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public static async Task<HostedZoneRef?> ZoneOfAsync(AwsSession session, string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        foreach (var candidate in FrontDoor.ZoneCandidates(host.TrimEnd('.').ToLowerInvariant()))
        {
            var found = await session.Route53.ListHostedZonesByNameAsync(new R53.ListHostedZonesByNameRequest { DNSName = candidate, MaxItems = "10" }, cancellationToken).ConfigureAwait(false);
            if ((found.HostedZones ?? []).FirstOrDefault(z => SameName(z.Name, candidate) && z.Config?.PrivateZone != true) is { } zone)
            {
                return new HostedZoneRef(Arn.LastSegment(zone.Id), candidate);
            }
        }

        return null;
    }

    // A record as listed, sent back for a DELETE: moto lists alias records with a TTL of 0, which AWS rejects on an alias.
    private static R53.ResourceRecordSet Clean(R53.ResourceRecordSet record) => record.AliasTarget is null ? record : record with { TTL = null, ResourceRecords = null };
}
