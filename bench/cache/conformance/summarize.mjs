// Prints cache-tests results side by side: node summarize.mjs name=results.json [name=results.json ...]
import fs from 'fs'
import { determineTestResult } from './node_modules/http-cache-tests/lib/display.mjs'
import tests from './node_modules/http-cache-tests/tests/index.mjs'
import surrogate from './node_modules/http-cache-tests/tests/surrogate-control.mjs'

tests.push(surrogate)
const columns = process.argv.slice(2).map(arg => {
  const [name, file] = arg.split('=')
  return { name, results: JSON.parse(fs.readFileSync(file, 'utf8')) }
})

const kinds = {
  required: t => t.kind === undefined || t.kind === 'required',
  optimal: t => t.kind === 'optimal',
  check: t => t.kind === 'check'
}
const all = tests.flatMap(s => s.tests)
const rows = []
for (const [kind, filter] of Object.entries(kinds)) {
  const subset = all.filter(filter)
  const line = [`${kind} (${subset.length})`]
  for (const col of columns) {
    const counts = {}
    for (const t of subset) {
      const r = determineTestResult(tests, t.id, col.results)[2]
      counts[r] = (counts[r] || 0) + 1
    }
    const passed = (counts['✅'] || 0) + (counts.Y || 0)
    const failed = (counts['⛔️'] || 0) + (counts['⚠️'] || 0) + (counts.N || 0)
    const other = subset.length - passed - failed
    line.push(`${passed} pass / ${failed} fail / ${other} other`)
  }
  rows.push(line)
}

const header = ['tests', ...columns.map(c => c.name)]
const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
const fmt = r => r.map((c, i) => c.padEnd(widths[i])).join(' | ')
console.log(fmt(header))
console.log(widths.map(w => '-'.repeat(w)).join('-|-'))
rows.forEach(r => console.log(fmt(r)))
console.log('(required: pass = conformant; optimal: fail = missed optimisation; check: pass = "yes" to a behaviour question; other = setup, harness, dependency or untested)')

if (process.env.SHOW_FAILS) {
  for (const col of columns) {
    const fails = all.filter(kinds.required).filter(t => determineTestResult(tests, t.id, col.results)[2] !== '✅')
    console.log(`\n${col.name} required not passing: ${fails.map(t => `${t.id}(${determineTestResult(tests, t.id, col.results)[2]})`).join(' ')}`)
  }
}
