# RubyGems oracle: reads `A<TAB>B` lines and prints Gem::Version#<=> as -1/0/1, or E when
# Gem::Version rejects either side. With --satisfies, lines are `VERSION<TAB>REQUIREMENTS`
# (comma-separated, as feeds write them) and the answer is
# Gem::Requirement.new(*REQUIREMENTS.split(",")).satisfied_by?(VERSION) as true/false.
# A blank version is E here: RubyGems reads it as "0", the `gem` scheme rejects it as bad data.
require 'rubygems'

satisfies = ARGV.include?('--satisfies')
out = []
STDIN.each_line do |line|
  a, b = line.chomp("\n").split("\t", 2)
  b ||= ''
  begin
    raise ArgumentError, 'blank' if a.strip.empty? || (!satisfies && b.strip.empty?)
    va = Gem::Version.new(a)
    if satisfies
      out << (Gem::Requirement.new(*b.split(',')).satisfied_by?(va) ? 'true' : 'false')
    else
      out << (va <=> Gem::Version.new(b)).to_s
    end
  rescue ArgumentError
    out << 'E'
  end
end
STDOUT.write(out.map { |l| "#{l}\n" }.join)
