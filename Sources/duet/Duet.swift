import ArgumentParser
@main struct Duet: ParsableCommand {}
