namespace Aspire.Deployer.Model;

/// <summary>
/// A Fargate task size: CPU units and memory (MiB). Fargate accepts only certain pairs, and RegisterTaskDefinition
/// refuses the rest only when it is called; checking here fails the deploy before anything is changed.
/// </summary>
/// <param name="Cpu">CPU units (1024 = one vCPU).</param>
/// <param name="MemoryMiB">Memory in MiB.</param>
public readonly record struct FargateSize(int Cpu, int MemoryMiB)
{
    /// <summary>The size used when none is configured: a quarter vCPU and 512 MiB.</summary>
    public static FargateSize Default { get; } = new(256, 512);

    // Fargate's table (Linux; ECS Developer Guide, "Task size"): for each CPU value the memory values it accepts.
    // 256 CPU is the one irregular row: 512, 1024 or 2048 MiB, no 1536.
    private static readonly (int Cpu, int[] Memory)[] Table =
    [
        (256, [512, 1024, 2048]),
        (512, Steps(1024, 4096, 1024)),
        (1024, Steps(2048, 8192, 1024)),
        (2048, Steps(4096, 16384, 1024)),
        (4096, Steps(8192, 30720, 1024)),
        (8192, Steps(16384, 61440, 4096)),
        (16384, Steps(32768, 122880, 8192)),
    ];

    /// <summary>Every CPU value Fargate accepts.</summary>
    public static IReadOnlyList<int> CpuValues { get; } = [.. Table.Select(r => r.Cpu)];

    /// <summary>The memory values Fargate accepts with <paramref name="cpu"/>; empty for an invalid CPU value.</summary>
    public static IReadOnlyList<int> MemoryValuesFor(int cpu) => Table.FirstOrDefault(r => r.Cpu == cpu).Memory ?? [];

    private static int[] Steps(int min, int max, int step) => [.. Enumerable.Range(0, ((max - min) / step) + 1).Select(i => min + (i * step))];

    /// <summary>True when Fargate accepts this pair.</summary>
    public bool IsValid => MemoryValuesFor(Cpu).Contains(MemoryMiB);

    /// <summary>Why Fargate would refuse this pair and what it would accept instead; null when valid.</summary>
    public string? Problem()
    {
        if (IsValid)
        {
            return null;
        }

        var memory = MemoryValuesFor(Cpu);
        return memory.Count == 0
            ? $"cpu {Cpu} is not a Fargate size; use one of {string.Join(", ", CpuValues)} (1024 = 1 vCPU)."
            : $"memory {MemoryMiB} MiB does not fit cpu {Cpu}; with cpu {Cpu} Fargate accepts {Describe(memory)} MiB.";
    }

    private static string Describe(IReadOnlyList<int> values) =>
        values.Count <= 8 || values[1] - values[0] != values[^1] - values[^2]
            ? string.Join(", ", values)
            : $"{values[0]} to {values[^1]} in steps of {values[1] - values[0]}";

    /// <inheritdoc />
    public override string ToString() => $"{Cpu} CPU / {MemoryMiB} MiB";
}
