// Headless Chromium checks of smpdoc's HTML report: loads from file:// with
// the network cut, no console errors, no request leaves the machine, every
// referenced file exists, the slider moves by drag and by keyboard.
// Usage: node report.test.js INDEX.html OUTDIR   (screenshots go to OUTDIR)
// Prints one "ok"/"FAIL" line per check.
// SPDX-License-Identifier: MIT
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.SMP_CHROMIUM || '/usr/bin/chromium';
const index = path.resolve(process.argv[2] || 'report/index.html');
const outDir = path.resolve(process.argv[3] || '.');
let failed = 0;

function check(label, cond, detail) {
	if (cond) {
		console.log('ok    ' + label);
	} else {
		failed++;
		console.log('FAIL  ' + label + (detail ? ': ' + detail : ''));
	}
}

// The part of the after image the reader sees, 0..1, from the clip the
// page applies (swipe view: inset from the left by the divider position).
async function afterVisible(page, n) {
	return page.evaluate((i) => {
		const img = document.querySelectorAll('.cmp .after')[i];
		const clip = getComputedStyle(img).clipPath;
		const box = img.getBoundingClientRect();
		const m = /inset\(\s*0(?:px)?\s+0(?:px)?\s+0(?:px)?\s+([\d.]+)(px|%)/
			.exec(clip);
		if (!m)
			return clip === 'none' ? 1 : NaN;
		const left = m[2] === '%' ? Number(m[1]) / 100
			: Number(m[1]) / box.width;
		return 1 - left;
	}, n);
}

// Local files the page references (img src, a href), resolved on disk.
async function referencedFiles(page) {
	const urls = await page.evaluate(() => {
		const out = [];
		document.querySelectorAll('img[src]').forEach((e) => out.push(e.src));
		document.querySelectorAll('a[href]').forEach((e) => {
			if (!e.getAttribute('href').startsWith('#'))
				out.push(e.href);
		});
		return out;
	});
	return urls;
}

async function checkPage(browser, scheme) {
	const context = await browser.newContext({
		colorScheme: scheme,
		viewport: { width: 1200, height: 900 },
		offline: true,
	});
	const page = await context.newPage();
	const errors = [];
	const remote = [];
	const failedLoads = [];

	page.on('console', (m) => {
		if (m.type() === 'error')
			errors.push(m.text());
	});
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('requestfailed', (r) => failedLoads.push(r.url()));
	await context.route('**/*', (route) => {
		const url = route.request().url();
		if (url.startsWith('file://') || url.startsWith('data:'))
			return route.continue();
		remote.push(url);
		return route.abort();
	});
	await page.goto('file://' + index, { waitUntil: 'load' });

	const tag = '[' + scheme + '] ';
	check(tag + 'no console errors', errors.length === 0, errors.join(' | '));
	check(tag + 'no network request', remote.length === 0, remote.join(' '));
	check(tag + 'no failed load', failedLoads.length === 0,
		failedLoads.join(' '));

	const broken = await page.evaluate(() =>
		Array.from(document.images)
			.filter((i) => !i.complete || i.naturalWidth === 0)
			.map((i) => i.getAttribute('src')));
	check(tag + 'every image loads', broken.length === 0, broken.join(' '));
	const missing = (await referencedFiles(page))
		.filter((u) => !u.startsWith('file://') ||
			!fs.existsSync(decodeURIComponent(new URL(u).pathname)));
	check(tag + 'every referenced file exists', missing.length === 0,
		missing.join(' '));

	const sliders = await page.locator('.cmp .slider').count();
	const pairs = await page.locator('article.pair').count();
	check(tag + 'a slider per pair (' + sliders + '/' + pairs + ')',
		sliders > 0 && sliders === pairs);
	if (scheme === 'light' && sliders > 0)
		await checkSlider(page);
	await page.screenshot({
		path: path.join(outDir, 'report-' + scheme + '.png'),
		fullPage: true,
	});
	if (sliders > 0) {
		await page.locator('article.pair').first().screenshot({
			path: path.join(outDir, 'report-pair-' + scheme + '.png'),
		});
	}
	await context.close();
}

async function checkSlider(page) {
	const slider = page.locator('.cmp .slider').first();
	const stage = page.locator('.cmp .stage').first();
	const label = await slider.getAttribute('aria-label');
	check('slider has an accessible label', !!label && label.length > 10,
		label);

	const start = await afterVisible(page, 0);
	check('half the after image shows at first', Math.abs(start - 0.5) < 0.02,
		String(start));

	// Synthetic drag: press at the middle, move to a quarter of the width.
	await stage.scrollIntoViewIfNeeded();
	const box = await stage.boundingBox();
	const y = box.y + box.height / 2;
	await page.mouse.move(box.x + box.width / 2, y);
	await page.mouse.down();
	await page.mouse.move(box.x + box.width * 0.35, y, { steps: 4 });
	await page.mouse.move(box.x + box.width * 0.25, y, { steps: 4 });
	await page.mouse.up();
	const dragged = await afterVisible(page, 0);
	check('drag moves the divider (after shown ' +
		dragged.toFixed(2) + ')', Math.abs(dragged - 0.75) < 0.04);

	// Keyboard: focus the slider, then arrow keys, Home and End.
	await slider.focus();
	const focused = await page.evaluate(() =>
		document.activeElement.classList.contains('slider'));
	check('slider takes keyboard focus', focused);
	const before = await afterVisible(page, 0);
	for (let i = 0; i < 10; i++)
		await page.keyboard.press('ArrowRight');
	const right = await afterVisible(page, 0);
	check('ArrowRight shows less of the after image (' +
		before.toFixed(2) + ' -> ' + right.toFixed(2) + ')',
		right < before - 0.05);
	for (let i = 0; i < 20; i++)
		await page.keyboard.press('ArrowLeft');
	const left = await afterVisible(page, 0);
	check('ArrowLeft shows more of the after image (' +
		right.toFixed(2) + ' -> ' + left.toFixed(2) + ')',
		left > right + 0.1);
	await page.keyboard.press('End');
	check('End hides the after image', (await afterVisible(page, 0)) < 0.01);
	await page.keyboard.press('Home');
	check('Home shows all of the after image',
		(await afterVisible(page, 0)) > 0.99);
	const vt = await slider.getAttribute('aria-valuetext');
	check('aria-valuetext follows the slider', vt === '100% after', vt);

	// Onion skin: the slider sets the after image's opacity instead.
	await page.locator('.cmp').first().getByLabel('Onion skin').check();
	await slider.fill('30');
	const opacity = await page.evaluate(() => Number(getComputedStyle(
		document.querySelector('.cmp .after')).opacity));
	check('onion skin blends by the slider (opacity ' + opacity + ')',
		Math.abs(opacity - 0.7) < 0.02);
	await page.locator('.cmp').first().getByLabel('Swipe').check();
	await slider.fill('50');
}

(async () => {
	fs.mkdirSync(outDir, { recursive: true });
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
	});
	try {
		await checkPage(browser, 'light');
		await checkPage(browser, 'dark');
	} catch (e) {
		check('browser run', false, String(e && e.stack || e));
	}
	await browser.close();
	process.exit(failed ? 1 : 0);
})();
