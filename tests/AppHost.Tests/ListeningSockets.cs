using System.Globalization;
using System.Net;

namespace AppHost.Tests;

/// <summary>
/// Which local addresses listen on a TCP port, read from the kernel's socket tables (/proc/net/tcp and tcp6), so a test
/// can tell loopback-only from all-interfaces without sending traffic anywhere but loopback.
/// </summary>
internal static class ListeningSockets
{
    private const string ListenState = "0A";

    public static IReadOnlyList<IPAddress> AddressesListeningOn(int port) =>
    [
        .. Read("/proc/net/tcp", port),
        .. Read("/proc/net/tcp6", port),
    ];

    // Lines look like "  1: 0100007F:0FA0 00000000:0000 0A ...": local address:port (hex), remote, state.
    private static IEnumerable<IPAddress> Read(string table, int port)
    {
        if (!File.Exists(table))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[1].Split(':');
            if (fields[3] == ListenState && int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
            {
                yield return ParseAddress(local[0]);
            }
        }
    }

    // The kernel prints each 32-bit word of the address in host (little-endian) byte order.
    private static IPAddress ParseAddress(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new IPAddress(bytes);
    }
}
